/** Entry point of `cdk synth|deploy|destroy` (cdk.json: "app"). */
import { buildApp } from './app.ts';

buildApp().app.synth();
