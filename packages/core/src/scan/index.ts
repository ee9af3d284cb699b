export { checkScannerNames, MAX_FINDINGS, runScanners, SCANNER_NAME_RE, type ScanResult } from './run.js';
