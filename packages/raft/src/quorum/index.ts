export { committedIndex, majority, voteResult, type VoteResult } from "./majority.js";
