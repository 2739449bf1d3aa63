// Package configs holds palermo's configuration files; the default palermo
// configuration is embedded in the binary from here.
package configs

import _ "embed"

// DefaultPalermo is configs/palermo.yaml, the configuration palermo runs on
// when no --config is given.
//
//go:embed palermo.yaml
var DefaultPalermo []byte
