package testutil

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// dataPackageProfile is the Data Package v2 JSON Schema profile, as
// published by the Frictionless Data project at
// https://datapackage.org/profiles/2.0/datapackage.json (see
// testdata/README.md for where this copy comes from).
//
//go:embed testdata/datapackage-profile-2.0.json
var dataPackageProfile []byte

const dataPackageProfileURL = "https://datapackage.org/profiles/2.0/datapackage.json"

// ValidateDataPackage checks a datapackage.json descriptor against the Data
// Package v2 profile, formats included. The profile's path patterns use
// lookahead, which Go's regexp lacks: patterns are compiled with regexp2
// in ECMAScript mode, the dialect JSON Schema specifies.
func ValidateDataPackage(descriptor []byte) error {
	profile, err := jsonschema.UnmarshalJSON(bytes.NewReader(dataPackageProfile))
	if err != nil {
		return fmt.Errorf("data package profile: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(ecmaRegexp)
	if err := c.AddResource(dataPackageProfileURL, profile); err != nil {
		return fmt.Errorf("data package profile: %w", err)
	}
	schema, err := c.Compile(dataPackageProfileURL)
	if err != nil {
		return fmt.Errorf("data package profile: %w", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(descriptor))
	if err != nil {
		return fmt.Errorf("datapackage.json: %w", err)
	}
	return schema.Validate(doc)
}

type ecmaPattern struct{ re *regexp2.Regexp }

func (p ecmaPattern) MatchString(s string) bool {
	ok, err := p.re.MatchString(s)
	return err == nil && ok
}

func (p ecmaPattern) String() string { return p.re.String() }

func ecmaRegexp(s string) (jsonschema.Regexp, error) {
	re, err := regexp2.Compile(s, regexp2.ECMAScript)
	if err != nil {
		return nil, err
	}
	return ecmaPattern{re}, nil
}
