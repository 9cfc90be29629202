/**
 * Headless Chromium for the dashboard tests and benchmark: the build shipped in
 * @sparticuz/chromium (so npm install is all a machine needs), or CHROMIUM_PATH.
 */
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser } from 'playwright-core';

/**
 * Flags @sparticuz/chromium sets for AWS Lambda that hurt here: in one process, closing any
 * page takes the whole browser down; without web security the page would not run under
 * the same-origin rules production has.
 */
const DROPPED_ARGS = new Set(['--single-process', '--disable-web-security']);

export async function launchBrowser(): Promise<Browser> {
  return playwright.launch({
    executablePath: process.env.CHROMIUM_PATH ?? (await chromium.executablePath()),
    args: chromium.args.filter((arg) => !DROPPED_ARGS.has(arg)),
    headless: true,
  });
}
