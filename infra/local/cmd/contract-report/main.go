// Command contract-report sums up the contract reports the e2e packages
// left (stacktest, CMP_CONTRACT_DIR) and fails when a route of openapi.yaml
// had no e2e traffic, so every route stays a contract-tested one.
//
//	contract-report <dir>
package main

import (
	"fmt"
	"os"

	"github.com/boc/cmp/infra/local/contract"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: contract-report <dir>")
		os.Exit(2)
	}
	total, untouched, err := contract.Summarize(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if len(total.Routes) == 0 {
		fmt.Fprintln(os.Stderr, "contract-report: no report in", os.Args[1], "(did the e2e tests run?)")
		os.Exit(1)
	}
	fmt.Printf("contract: %d requests and %d responses validated against openapi.yaml; %d of %d routes had e2e traffic\n",
		total.Requests, total.Responses, len(total.Routes)-len(untouched), len(total.Routes))
	for _, k := range total.Routes {
		fmt.Printf("  %5d  %s\n", total.Traffic[k], k)
	}
	if len(untouched) > 0 {
		fmt.Println("routes with no e2e traffic (add an e2e test that calls them):")
		for _, k := range untouched {
			fmt.Println("  " + k)
		}
		os.Exit(1)
	}
}
