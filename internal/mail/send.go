package mail

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"
)

// SESAPI is the part of the SES v2 client the sender uses.
type SESAPI interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Sender sends rendered messages from one verified address.
type Sender struct {
	api  SESAPI
	from string
}

// NewSender wraps a client and the From address.
func NewSender(api SESAPI, from string) *Sender { return &Sender{api: api, from: from} }

// SenderFromEnv is the sender from MAIL_FROM on api, a client built without
// SDK retries (boot.SESv2): wrap it in Throttled.
func SenderFromEnv(api SESAPI) (*Sender, error) {
	from := os.Getenv("MAIL_FROM")
	if from == "" {
		return nil, errors.New("mail: MAIL_FROM is not set")
	}
	return NewSender(api, from), nil
}

// ErrBadRecipient marks an address that can never be sent to; retrying is useless.
var ErrBadRecipient = errors.New("mail: bad recipient")

// Send sends m to one recipient and returns SES's message id.
func (s *Sender) Send(ctx context.Context, to string, m Message) (string, error) {
	addr, err := mail.ParseAddress(to)
	if err != nil || addr.Name != "" || addr.Address != to {
		return "", ErrBadRecipient
	}
	out, err := s.api.SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.from),
		Destination:      &types.Destination{ToAddresses: []string{to}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(HeaderSafe(m.Subject)), Charset: aws.String("UTF-8")},
			Body: &types.Body{
				Text: &types.Content{Data: aws.String(m.Text), Charset: aws.String("UTF-8")},
				Html: &types.Content{Data: aws.String(m.HTML), Charset: aws.String("UTF-8")},
			},
		}},
	})
	if err != nil {
		// SES names unverified recipients in its messages; keep addresses out of logs.
		return "", fmt.Errorf("mail: send: %s", strings.ReplaceAll(err.Error(), to, "<recipient>"))
	}
	return aws.ToString(out.MessageId), nil
}
