/** The agent's version, sent at enrollment and in every session hello. */
export const AGENT_VERSION = '0.1.0';
