/** The CLI's version, reported by `kontroler --version` and sent as the User-Agent. */
export const CLI_VERSION = '0.1.0';
