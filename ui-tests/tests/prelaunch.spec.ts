/**
 * A job's cost before it starts, in a notebook in Chromium: the kernel the
 * UI-test server starts reaches the emulator (its Price List and SageMaker),
 * `%load_ext jupyter_smcost.prelaunch` prints the worst case of a training
 * job above the admin's cap (`c.Budget.max_job_usd` in the server's config),
 * and asks in the notebook before anything is sent; "yes" sends it.
 */
import * as fs from 'fs';
import * as path from 'path';

import { expect, test } from '@jupyterlab/galata';
import type { APIRequestContext } from '@playwright/test';

import { eachInFreshStudio, emulatorCalls, freshStudio } from './helpers';

const README_IMAGES = path.resolve(__dirname, '..', '..', 'docs', 'images');

/** The cap in ui-tests/jupyter_server_test_config.py. */
const CAP = '$5.00';

const TRAIN = `%load_ext jupyter_smcost.prelaunch
import boto3
boto3.client("sagemaker").create_training_job(
    TrainingJobName="prelaunch-resnet",
    AlgorithmSpecification={"TrainingImage": "123456789012.dkr.ecr.us-east-1.amazonaws.com/resnet:1",
                            "TrainingInputMode": "File"},
    RoleArn="arn:aws:iam::123456789012:role/SageMakerRole",
    OutputDataConfig={"S3OutputPath": "s3://demo-bucket/resnet/"},
    ResourceConfig={"InstanceType": "ml.g5.xlarge", "InstanceCount": 2, "VolumeSizeInGB": 50},
    StoppingCondition={"MaxRuntimeInSeconds": 8 * 3600},
)["TrainingJobArn"]`;

/** This test's CreateTrainingJob calls that reached the emulator (the seed makes others). */
async function created(request: APIRequestContext): Promise<unknown[]> {
  return (await emulatorCalls(request)).filter(
    c =>
      c.action === 'CreateTrainingJob' &&
      c.params.TrainingJobName === 'prelaunch-resnet'
  );
}

// The job it creates would show in other specs' Cost panels: a fresh
// Studio after as well as before.
eachInFreshStudio(freshStudio);

// Wide enough for the estimate's lines in the README's picture.
test.use({ viewport: { width: 1600, height: 900 } });

test('the estimate above the cap asks before the job is sent', async ({
  page,
  request
}) => {
  // A new kernel, then its first Price List lookup: slow on a busy machine.
  test.setTimeout(180_000);
  await page.notebook.createNew('prelaunch.ipynb');
  await page.notebook.setCell(0, 'code', TRAIN);
  // Not awaited: the cell waits for the answer to its question.
  const running = page.notebook.runCell(0);
  const cell = page.locator('.jp-Notebook .jp-Cell').first();
  const output = cell.locator('.jp-OutputArea');
  const question = output.locator('.jp-Stdin');
  await expect(question).toBeVisible({ timeout: 60_000 });
  await expect(output).toContainText(
    'jupyter-smcost: training job prelaunch-resnet in us-east-1'
  );
  await expect(output).toContainText('2 x ml.g5.xlarge at $');
  await expect(output).toContainText(
    /upper bound: \$[\d,.]+ if it runs its max runtime 8 h/
  );
  await expect(question).toContainText(`above the cap of ${CAP}`);
  await expect(question).toContainText('Type yes to start it anyway');
  // Nothing reached SageMaker while the kernel asks.
  expect(await created(request)).toHaveLength(0);
  const shot = await output.screenshot();
  if (process.env.SMCOST_README_IMAGES === '1') {
    fs.mkdirSync(README_IMAGES, { recursive: true });
    fs.writeFileSync(path.join(README_IMAGES, 'prelaunch.png'), shot);
  }

  await question.locator('input').fill('yes');
  await question.locator('input').press('Enter');
  await running;
  await expect(output).toContainText(
    'arn:aws:sagemaker:us-east-1:123456789012:training-job/prelaunch-resnet'
  );
  expect(await created(request)).toHaveLength(1);
});
