import { App } from 'aws-cdk-lib';
import { BulkheadStack } from '../lib/bulkhead-stack';

const app = new App();
new BulkheadStack(app, 'Bulkhead');
app.synth();
