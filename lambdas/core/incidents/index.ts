/** The incident log: record format, idempotent appends over the ObjectStore port, fold, action links. */
export * from './fold';
export * from './incident-event';
export * from './incident-log';
export * from './link-actions';
export * from './stored-record';
