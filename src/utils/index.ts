/** `utils`: progress bars, training-curve plots and the profiler. */
export { ProgressBar, progress, formatDuration, type ProgressOptions, type ProgressSink } from "./progress.js";
export { lineChartSvg, niceTicks, stackSvgs, type ChartOptions, type Series } from "./plot.js";
export { profile, type ProfileResult, type ProfileRow } from "./profiler.js";
export { checkpoint, checkpointSequential, type CheckpointOptions } from "./checkpoint.js";
export { deepcopy, type DeepcopyMemo } from "./deepcopy.js";
