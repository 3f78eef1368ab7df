export { Inflights } from "./inflights.js";
export { Progress, type ProgressState } from "./progress.js";
