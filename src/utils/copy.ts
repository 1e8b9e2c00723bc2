/** `copy`: Python's copy module as a translated program uses it, `copy.deepcopy(model)`. */
export { deepcopy, type DeepcopyMemo } from "./deepcopy.js";
