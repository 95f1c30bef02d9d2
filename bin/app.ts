import { buildApp } from './build-app';

// `cdk synth` / `cdk deploy` run this (cdk.json "app"). cdk-nag fails synthesis on any unacknowledged finding.
buildApp().app.synth();
