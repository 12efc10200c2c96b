/** The runtime-spec version tsrun implements, reported in state and features. */
export const SPEC_VERSION = '1.2.0';
export const VERSION = '0.1.0';
