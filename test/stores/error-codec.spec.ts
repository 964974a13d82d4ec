import { onEveryCodecStore } from '../support/codec-stores';
import { errorCodecCases } from '../support/error-codec-case';

// Encrypted error messages on every store: a step that fails for good, the workflow aborted after
// a restart and a key rotation, the raw data read with the database's own driver.
onEveryCodecStore('error-codec', errorCodecCases);
