package providers

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/boc/cmp/internal/dynamo"
)

// TableStore keeps providers and batches in the table.
type TableStore struct{ table *dynamo.Table }

// NewTableStore wraps the table.
func NewTableStore(table *dynamo.Table) *TableStore { return &TableStore{table: table} }

type providerItem struct {
	dynamo.Key
	Type string `dynamodbav:"type"`
	Provider
}

type clientItem struct {
	dynamo.Key
	Type       string `dynamodbav:"type"`
	ProviderID string `dynamodbav:"providerId"`
}

// batchItem keeps the answered lines as one JSON document (a batch of 500
// lines stays far under the 400 KB item limit).
type batchItem struct {
	dynamo.Key
	Type       string `dynamodbav:"type"`
	ProviderID string `dynamodbav:"providerId"`
	Doc        string `dynamodbav:"doc"`
}

const (
	labelProvider = "provider"
	labelClient   = "client"
)

// Register puts the provider and, with a client id, the client's mapping
// if no other provider holds it, in one transaction.
func (s *TableStore) Register(ctx context.Context, p Provider) error {
	put, err := dynamo.Put(labelProvider, providerItem{Key: dynamo.ProviderKey(p.ID), Type: "provider", Provider: p}, dynamo.IfAbsent)
	if err != nil {
		return err
	}
	writes := []dynamo.Write{put}
	if p.ClientID != "" {
		c, err := dynamo.Put(labelClient, clientItem{Key: dynamo.ProviderClientKey(p.ClientID), Type: "provider-client", ProviderID: p.ID}, dynamo.IfAbsent.Else(ErrClientTaken))
		if err != nil {
			return err
		}
		writes = append(writes, c)
	}
	return s.table.Transact(ctx, writes...)
}

// Provider reads a provider by id.
func (s *TableStore) Provider(ctx context.Context, id string) (Provider, bool, error) {
	var it providerItem
	found, err := s.table.Get(ctx, dynamo.ProviderKey(id), &it)
	return it.Provider, found, err
}

// ProviderOfClient reads the provider id mapped to an app client.
func (s *TableStore) ProviderOfClient(ctx context.Context, clientID string) (string, bool, error) {
	var it clientItem
	found, err := s.table.Get(ctx, dynamo.ProviderClientKey(clientID), &it)
	return it.ProviderID, found, err
}

// SaveBatch puts a batch under its fresh id.
func (s *TableStore) SaveBatch(ctx context.Context, b Batch) error {
	doc, err := json.Marshal(b)
	if err != nil {
		return fmt.Errorf("encode batch: %w", err)
	}
	w, err := dynamo.Put("batch", batchItem{Key: dynamo.ProviderBatchKey(b.BatchID), Type: "provider-batch", ProviderID: b.ProviderID, Doc: string(doc)}, dynamo.IfAbsent)
	if err != nil {
		return err
	}
	return s.table.Apply(ctx, w)
}

// Batch reads a batch by id.
func (s *TableStore) Batch(ctx context.Context, id string) (Batch, bool, error) {
	var it batchItem
	found, err := s.table.Get(ctx, dynamo.ProviderBatchKey(id), &it)
	if err != nil || !found {
		return Batch{}, false, err
	}
	var b Batch
	if err := json.Unmarshal([]byte(it.Doc), &b); err != nil {
		return Batch{}, false, fmt.Errorf("decode batch %s: %w", id, err)
	}
	return b, true, nil
}
