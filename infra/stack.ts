/**
 * The one stack, `RetentionForest`: the data lake, then each stage of the product as a
 * construct that receives the buckets and a function factory with the project's defaults.
 */
import { Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { DataLake } from './constructs/data-lake.ts';
import { Extraction } from './constructs/extraction.ts';
import { projectFunctionFactory } from './constructs/project-function.ts';
import { giveHelpersStageLogGroups } from './constructs/log-groups.ts';
import { Dashboard } from './constructs/dashboard.ts';
import { Training } from './constructs/training.ts';
import { Prediction } from './constructs/prediction.ts';
import { Outcomes } from './constructs/outcomes.ts';
import { acknowledgeCdkHelpers } from './nag.ts';
import { readSettings, type StageSettings } from './settings.ts';

export const STACK_NAME = 'RetentionForest';

export class RetentionForestStack extends Stack {
  public readonly settings: StageSettings;
  public readonly dataLake: DataLake;
  public readonly extraction: Extraction;
  public readonly dashboard: Dashboard;
  public readonly training: Training;
  public readonly prediction: Prediction;
  public readonly outcomes: Outcomes;

  constructor(scope: Construct, id: string = STACK_NAME, props: StackProps = {}) {
    super(scope, id, { description: 'retention-forest: weekly user retention predicted by a random forest', ...props });
    this.settings = readSettings(this.node);
    Tags.of(this).add('project', this.settings.prefix);
    const newFunction = projectFunctionFactory(this.settings);

    this.dataLake = new DataLake(this, 'DataLake', { settings: this.settings });
    const dataBucket = this.dataLake.dataBucket;

    // S3 ObjectCreated raw/events/ → extract → extracted/week=<W>/ (+ _COMPLETE.json).
    this.extraction = new Extraction(this, 'Extraction', { dataBucket, settings: this.settings, newFunction });

    // ---- dashboard: the site bucket (data/*) the training and prediction stages write to.
    this.dashboard = new Dashboard(this, 'Dashboard', {
      removalPolicy: this.settings.removalPolicy,
      autoDeleteObjects: this.settings.autoDeleteObjects,
      accessLogsBucket: this.dataLake.logsBucket,
    });
    const siteBucket = this.dashboard.siteBucket;

    // ---- training: _COMPLETE.json → state machine → models/ and data/trees.json, card.json.
    this.training = new Training(this, 'Training', { dataBucket, siteBucket, newFunction, logs: this.settings });

    // ---- prediction: Kinesis → predict → results queue, data/trends.json.
    this.prediction = new Prediction(this, 'Prediction', { dataBucket, siteBucket, newFunction });

    // ---- outcomes: scored parts + training succeeded (EventBridge) → data/outcomes.json, realized-AUC alarm.
    this.outcomes = new Outcomes(this, 'Outcomes', {
      dataBucket,
      siteBucket,
      newFunction,
      floor: this.training.gate.floor,
      trainingStateMachine: this.training.stateMachine,
    });

    giveHelpersStageLogGroups(this, this.settings);
    acknowledgeCdkHelpers(this);
  }
}
