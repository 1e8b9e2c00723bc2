/** `utils`: progress bars and training-curve plots. */
export { ProgressBar, progress, formatDuration, type ProgressOptions, type ProgressSink } from "./progress.js";
export { lineChartSvg, niceTicks, stackSvgs, type ChartOptions, type Series } from "./plot.js";
