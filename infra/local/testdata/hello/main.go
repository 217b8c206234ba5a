// Command hello is the smallest aws-lambda-go function: the size baseline
// the benchmark compares every function binary against.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() { lambda.Start(func() (string, error) { return "hello", nil }) }
