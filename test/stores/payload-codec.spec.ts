import { onEveryCodecStore } from '../support/codec-stores';
import { payloadCodecCases } from '../support/payload-codec-case';

// Encrypted payloads on every store: a key rotation in the middle of a workflow, and the raw
// data (rows, documents, the SQLite file) read with the database's own driver.
onEveryCodecStore('codec', payloadCodecCases);
