// Package dynamo is the one DynamoDB table: its keys, the items that more than
// one use case shares (idempotency records, outbox items), and small helpers
// for conditional writes and transactions. No Scan anywhere.
//
// Access patterns (table keys pk/sk; GSIs are sparse, only items that set
// their key attributes appear in them):
//
//	pattern                                   key
//	certificant profile                       pk=C#<id>            sk=PROFILE
//	certifications of a certificant           pk=C#<id>            sk begins_with CERT#       (sk=CERT#<key>, key ASCPi-MLS)
//	activities of a certificant               pk=C#<id>            sk begins_with ACT#       (sk=ACT#<activityId>)
//	one pending declaration per certification pk=C#<id>            sk=PENDING#<key>, put if absent, deleted on decision
//	declarations of a certificant             pk=C#<id>            sk begins_with DECL#      (sk=DECL#<declarationId>, the declaration itself;
//	                                          its allocation holds its claims, R-ACT-11)
//	the one covid claim (R-ACT-9)             pk=C#<id>            sk=COVID, put if absent with the covid entry
//	transcript version (the fence)            pk=C#<id>            sk=TXVERSION, moved by submissions, deletes, disputes, new allocations
//	declaration by id                         pk=DECL#<id>         sk=DECL                   (pointer item -> certificant id)
//	exam attempts per category and route      pk=C#<id>            sk begins_with EXAM#<program>-<category>#<route>#
//	                                          attempt n is sk=...#<n> put if absent, n in 1..5 (R-EXAM-1)
//	idempotency record                        pk=IDEM#<principal>#<key> sk=IDEM, ttl; written in the guarded transaction
//	outbox item (email owed)                  pk=OUTBOX#<id>       sk=OUTBOX, type=outbox; id deterministic
//	verification token                        pk=VTOKEN#<sha256 hex of token> sk=VTOKEN
//	certification expiries due on a date      GSI ByDate datePk=EXP#<yyyy-mm-dd>#<shard 00..15> dateSk=<certificantId>#<key>
//	reminders and deadlines due on a date     GSI ByDate datePk=DUE#<yyyy-mm-dd>#<shard> dateSk=<kind>#<certificantId>#<ref>
//	staff queue of declarations by state      GSI ByQueue queuePk=QUEUE#<state> queueSk=<processingDueOn>#<declarationId>
//	outbox items not yet sent (the redrive)   GSI ByQueue queuePk=OUTBOX#UNSENT queueSk=<createdAt>#<outboxId>
//	certification by its number               GSI ByNumber numberPk=NUM#<number> (certification items only; R-PROV-2 matching)
//	CE provider                               pk=PROV#<id>         sk=PROV (R-PROV-1)
//	provider of a Cognito app client          pk=PCLIENT#<clientId> sk=PCLIENT, put if absent at registration
//	provider's batch of completions           pk=PBATCH#<batchId>  sk=PBATCH, owner providerId (R-PROV-4)
//	provider-posted activity                  pk=C#<id>            sk=ACT#P-<hash of provider, course id, number>, put if absent (R-PROV-2)
//	inactive-status request                   pk=C#<id>            sk=INACTIVE#<key> (the open one, put if absent),
//	                                          sk=INACTIVE#<key>#<requestId> once decided
//	verification order                        pk=C#<id>            sk=VORDER#<orderId>
//	transcripts received by the board         pk=C#<id>            sk=TRANSCRIPTS
//	score review of an attempt                pk=C#<id>            sk=REVIEW#<attemptId>, put if absent
//	unsent score emails                       GSI ByQueue queuePk=SCORES#unsent queueSk=<dueBy>#<certificantId>#<attemptId>
//	published passes of a month               GSI ByDate datePk=PASS#<yyyy-mm>#<shard> dateSk=<examDate>#<certificantId>#<attemptId>
//	a declaration's due entry                 pk=DECL#<id>         sk=DUE#<kind>#<yyyy-mm-dd> (carries the ByDate DUE# keys)
//	status list chunk                         pk=SL#<listId>       sk=CHUNK#<nn>
//	status list index taken                   pk=SLIDX#<list number> sk=<index>, put if absent
//	payments of a certificant                 pk=C#<id>            sk begins_with PAY#       (sk=PAY#<paid thing's id>, R-PAY-5)
//	payment by the paid thing's id            pk=PAY#<about>       sk=PAY                    (pointer -> certificant id)
//	payments cancelled on a day if unpaid     GSI ByDate datePk=UNPAID#<yyyy-mm-dd>#<shard> dateSk=<kind>#<certificantId>#<about> (the pointer)
//	payment by its Stripe PaymentIntent       pk=PI#<intentId>     sk=PI                     (pointer -> certificant id, about)
//	Stripe event processed                    pk=STRIPEEVT#<eventId> sk=EVT, put if absent, ttl (R-PAY-3: once per event)
//
// Date partitions are sharded so one busy day does not make a hot partition;
// a sweep queries every shard of the day.
package dynamo

import (
	"fmt"
	"hash/fnv"
	"strconv"
)

// Key addresses one item.
type Key struct {
	PK string `dynamodbav:"pk"`
	SK string `dynamodbav:"sk"`
}

// DateShards is how many ByDate partitions one day is spread over.
const DateShards = 16

// CertificantPK is the partition of everything a certificant owns.
func CertificantPK(id string) string { return "C#" + id }

// ProfileKey addresses a certificant's profile.
func ProfileKey(certificantID string) Key {
	return Key{PK: CertificantPK(certificantID), SK: "PROFILE"}
}

// Sort-key prefixes of a certificant's partition.
const (
	CertificationPrefix = "CERT#"
	ActivityPrefix      = "ACT#"
	PendingPrefix       = "PENDING#"
	DeclarationPrefix   = "DECL#"
	ExamPrefix          = "EXAM#"
	PaymentPrefix       = "PAY#"
)

// CertificationKey addresses one certification (key like ASCPi-MLS).
func CertificationKey(certificantID, certKey string) Key {
	return Key{PK: CertificantPK(certificantID), SK: CertificationPrefix + certKey}
}

// ActivityKey addresses one transcript entry.
func ActivityKey(certificantID, activityID string) Key {
	return Key{PK: CertificantPK(certificantID), SK: ActivityPrefix + activityID}
}

// PendingKey is the uniqueness item of the one pending declaration of a certification.
func PendingKey(certificantID, certKey string) Key {
	return Key{PK: CertificantPK(certificantID), SK: PendingPrefix + certKey}
}

// DeclarationKey addresses a declaration within its certificant's partition.
func DeclarationKey(certificantID, declarationID string) Key {
	return Key{PK: CertificantPK(certificantID), SK: DeclarationPrefix + declarationID}
}

// DeclarationPointerKey finds a declaration's certificant from its id alone.
func DeclarationPointerKey(declarationID string) Key {
	return Key{PK: DeclarationPrefix + declarationID, SK: "DECL"}
}

// ExamAttemptKey is attempt n (1..5) of a category and route.
func ExamAttemptKey(certificantID, certKey, route string, n int) Key {
	return Key{PK: CertificantPK(certificantID), SK: fmt.Sprintf("%s%s#%s#%d", ExamPrefix, certKey, route, n)}
}

// TranscriptVersionKey addresses a certificant's transcript version: a
// counter that submissions, activity deletes and disputes, and new allocations move. A
// submission is judged on reads made after the version was read and commits
// only if the version is still the one it read (TranscriptFence), so a delete
// of an activity it claims (R-ACT-11) or another submission that same
// business day (R-FEE-2) cannot slip in between: it is judged again.
func TranscriptVersionKey(certificantID string) Key {
	return Key{PK: CertificantPK(certificantID), SK: TranscriptVersionSK}
}

// TranscriptFence is the fence of changes judged on a certificant's
// transcript and declarations (Table.Commit).
func TranscriptFence(certificantID string) Fence {
	return Fence{Key: TranscriptVersionKey(certificantID), Attr: TranscriptVersionAttr, Label: TranscriptVersionLabel}
}

// TranscriptVersionLabel labels the fence's write when the version moved.
const TranscriptVersionLabel = "transcript-version"

// TranscriptVersionSK is the sort key of TranscriptVersionKey.
const TranscriptVersionSK = "TXVERSION"

// TranscriptVersionAttr holds the counter of TranscriptVersionKey.
const TranscriptVersionAttr = "txVersion"

// IdempotencyKey addresses the record of one principal's Idempotency-Key.
func IdempotencyKey(principal, key string) Key {
	return Key{PK: "IDEM#" + principal + "#" + key, SK: "IDEM"}
}

// OutboxKey addresses an outbox item.
func OutboxKey(id string) Key { return Key{PK: "OUTBOX#" + id, SK: "OUTBOX"} }

// VerificationTokenKey addresses a verification record by its token's hash,
// so the token itself is never stored.
func VerificationTokenKey(tokenHash string) Key {
	return Key{PK: "VTOKEN#" + tokenHash, SK: "VTOKEN"}
}

// DatePK is the sharded ByDate partition of a kind ("EXP", "DUE") on a day
// (yyyy-mm-dd); the shard is chosen from a stable id of the item.
func DatePK(kind, day, id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("%s#%s#%02d", kind, day, h.Sum32()%DateShards)
}

// DatePKs lists every shard of a kind on a day, for a sweep.
func DatePKs(kind, day string) []string {
	pks := make([]string, DateShards)
	for i := range pks {
		pks[i] = fmt.Sprintf("%s#%s#%02d", kind, day, i)
	}
	return pks
}

// NumberPK is the ByNumber partition of a certification number.
func NumberPK(number string) string { return "NUM#" + number }

// ProviderKey addresses a registered CE provider.
func ProviderKey(id string) Key { return Key{PK: "PROV#" + id, SK: "PROV"} }

// ProviderClientKey maps a Cognito app client to its provider.
func ProviderClientKey(clientID string) Key { return Key{PK: "PCLIENT#" + clientID, SK: "PCLIENT"} }

// ProviderBatchKey addresses a provider's batch of completions.
func ProviderBatchKey(batchID string) Key { return Key{PK: "PBATCH#" + batchID, SK: "PBATCH"} }

// QueuePK is the ByQueue partition of declarations in a state.
func QueuePK(state string) string { return "QUEUE#" + state }

// UnsentQueuePK is the ByQueue partition of the outbox items not yet sent.
const UnsentQueuePK = "OUTBOX#UNSENT"

// UnsentScoresQueuePK is the ByQueue partition of exam attempts whose score
// email is not yet sent (sparse: an attempt leaves it when sent).
const UnsentScoresQueuePK = "SCORES#unsent"

// ByDate kinds: the first part of a DatePK.
const (
	ExpiryDateKind = "EXP"    // certification cycles ending on a day
	DueDateKind    = "DUE"    // declaration reminders and deadlines due on a day
	PassDateKind   = "PASS"   // passes published in a month (yyyy-mm)
	UnpaidDateKind = "UNPAID" // payments cancelled on a day if still unpaid (R-PAY-4)
)

// InactivePrefix starts the sort keys of inactive-status requests.
const InactivePrefix = "INACTIVE#"

// OpenInactiveKey is the one open inactive-status request of a certification;
// InactiveRequestKey keeps a decided one, freeing the open slot for a later
// request. Certification keys have no '#'.
func OpenInactiveKey(certificantID, certKey string) Key {
	return Key{PK: CertificantPK(certificantID), SK: InactivePrefix + certKey}
}

// InactiveRequestKey addresses a decided inactive-status request.
func InactiveRequestKey(certificantID, certKey, requestID string) Key {
	return Key{PK: CertificantPK(certificantID), SK: InactivePrefix + certKey + "#" + requestID}
}

// VerificationOrderKey addresses a verification order in its certificant's
// partition (its tokens live at VerificationTokenKey).
func VerificationOrderKey(certificantID, orderID string) Key {
	return Key{PK: CertificantPK(certificantID), SK: "VORDER#" + orderID}
}

// CovidClaimKey is the certificant's one covid claim (R-ACT-9): put with
// the covid entry, deleted when staff reject it (or it is deleted), so a
// second entry is refused by the database, not by a read.
func CovidClaimKey(certificantID string) Key {
	return Key{PK: CertificantPK(certificantID), SK: "COVID"}
}

// TranscriptsReceivedKey addresses the board's record of the official
// transcripts it received from a certificant (R-EXAM-2).
func TranscriptsReceivedKey(certificantID string) Key {
	return Key{PK: CertificantPK(certificantID), SK: "TRANSCRIPTS"}
}

// ScoreReviewPrefix starts the sort keys of a certificant's score reviews.
const ScoreReviewPrefix = "REVIEW#"

// ScoreReviewKey addresses the score review of an exam attempt.
func ScoreReviewKey(certificantID, attemptID string) Key {
	return Key{PK: CertificantPK(certificantID), SK: ScoreReviewPrefix + attemptID}
}

// DueEntryKey addresses a declaration's ByDate entry of one kind on one day,
// kept beside its pointer item.
func DueEntryKey(declarationID, kind, day string) Key {
	return Key{PK: DeclarationPointerKey(declarationID).PK, SK: "DUE#" + kind + "#" + day}
}

// StatusChunkPrefix starts the sort keys of a status list's chunks.
const StatusChunkPrefix = "CHUNK#"

// StatusChunkKey addresses chunk c of status list listID.
func StatusChunkKey(listID string, c int) Key {
	return Key{PK: "SL#" + listID, SK: fmt.Sprintf("%s%02d", StatusChunkPrefix, c)}
}

// StatusIndexKey is the uniqueness item of index i of status list number n.
func StatusIndexKey(n, i int) Key {
	return Key{PK: "SLIDX#" + strconv.Itoa(n), SK: strconv.Itoa(i)}
}

// PaymentKey addresses the payment of a paid thing (declaration, order,
// review, request) in its certificant's partition.
func PaymentKey(certificantID, about string) Key {
	return Key{PK: CertificantPK(certificantID), SK: PaymentPrefix + about}
}

// PaymentPointerKey finds a payment's certificant from the paid thing's id.
func PaymentPointerKey(about string) Key { return Key{PK: PaymentPrefix + about, SK: "PAY"} }

// IntentKey finds a payment from its Stripe PaymentIntent id.
func IntentKey(intentID string) Key { return Key{PK: "PI#" + intentID, SK: "PI"} }

// StripeEventKey is the record of a processed Stripe event.
func StripeEventKey(eventID string) Key { return Key{PK: "STRIPEEVT#" + eventID, SK: "EVT"} }
