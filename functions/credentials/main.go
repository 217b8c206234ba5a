// Command credentials serves the board's digital credentials (R-CRED): a
// certificant's signed Open Badges 3.0 credential, the public status lists
// and the issuer's did:web document. The only function that links the
// JSON-LD canonicalization.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/boc/cmp/internal/boot"
	"github.com/boc/cmp/internal/boot/secrets"
	"github.com/boc/cmp/internal/credential"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/credentialapi"
)

func main() {
	log := httpapi.NewLogger(os.Stdout)
	ctx := context.Background()
	cfg := boot.AWS(log)
	table := boot.Table(cfg, log)
	base := os.Getenv("PUBLIC_BASE_URL")
	did, err := credential.DIDWeb(base)
	if err != nil {
		boot.Fatal(log, err)
	}
	raw, err := signingKey(ctx, cfg)
	if err != nil {
		boot.Fatal(log, err)
	}
	keys, err := credential.ParseKeySet(did, raw)
	if err != nil {
		boot.Fatal(log, err)
	}
	signer, err := credential.NewSigner(keys)
	if err != nil {
		boot.Fatal(log, err)
	}
	log.Info("signing keys loaded", "keys", keys.String()) // ids only
	lambda.Start(credentialapi.NewRouter(credential.NewService(table, signer, base, time.Now), log).Handler())
}

// signingKey reads the key JSON once, at init: from Secrets Manager in AWS
// (SIGNING_KEY_SECRET_ID), from the file the local runner generated
// (SIGNING_KEY_FILE). The key never leaves this process's memory.
func signingKey(ctx context.Context, cfg aws.Config) ([]byte, error) {
	if f := os.Getenv("SIGNING_KEY_FILE"); f != "" {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read signing key file: %w", err)
		}
		return raw, nil
	}
	id := os.Getenv("SIGNING_KEY_SECRET_ID")
	if id == "" {
		return nil, errors.New("neither SIGNING_KEY_SECRET_ID nor SIGNING_KEY_FILE is set")
	}
	out, err := secrets.Client(cfg, os.Getenv).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(id)})
	if err != nil {
		return nil, fmt.Errorf("read signing key secret: %w", err)
	}
	return []byte(aws.ToString(out.SecretString)), nil
}
