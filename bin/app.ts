import { buildApp, runEntryPoint } from './build-app';

// `cdk synth` / `cdk deploy` run this (cdk.json "app"). cdk-nag fails synthesis on any unacknowledged finding.
runEntryPoint(() => buildApp().app.synth());
