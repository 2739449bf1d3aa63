package main

import (
	"fmt"
	"io"
)

func cmdExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("export", "[--data-dir D] --out DIR", `
Writes the export computed from the latest stored snapshots into DIR:
indicators.csv, datapackage.json (Data Package v2), one CSV per indicator
under indicators/, the catalogue as catalogue.csv and catalogue.json, and
CITATION.cff.`, stderr)
	var c commonFlags
	c.register(fs, true)
	out := fs.String("out", "", "directory to write the export files into")
	snap, err := computeInto(fs, args, &c, func() bool { return *out == "" }, stderr)
	if err != nil {
		return err
	}
	if err := writeExportDir(*out, snap); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %d files to %s: indicators.csv (%d rows), operations.csv, datapackage.json, catalogue.csv, catalogue.json, CITATION.cff and indicators/<id>.csv\n",
		len(snap.Exports.Files), *out, len(snap.Rows))
	return nil
}
