// @replog/common: branded ids, assertions, the Clock/Random/Logger interfaces and the
// config-definition helper. Pure: no I/O, no timers, no ambient clock or randomness.
// Real clocks and randomness for shells live in `@replog/common/node`.
export * from "./ids.js";
export * from "./assert.js";
export * from "./clock.js";
export * from "./random.js";
export * from "./logger.js";
export * from "./config.js";
export * from "./server-config.js";
