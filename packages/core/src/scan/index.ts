export { checkScannerNames, MAX_FINDINGS, runScanners, type ScanResult } from './run.js';
