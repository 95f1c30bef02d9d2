/**
 * Jest setup (jest.config.js `setupFiles`): the AWS handlers' Powertools Logger writes JSON lines to
 * stdout, which buries the test report in CI. Tests assert on ports (RecordingLog, audit records),
 * never on that output, so it is silenced before any module builds its Logger. Set
 * POWERTOOLS_LOG_LEVEL yourself (e.g. `POWERTOOLS_LOG_LEVEL=DEBUG npx jest ...`) to see it again.
 */
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
