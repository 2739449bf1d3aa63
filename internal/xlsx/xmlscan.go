package xlsx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/palermo-project/palermo/internal/bounded"
)

// xmlScanner is a small, fast tokenizer for the machine-written XML of
// spreadsheet parts. It knows elements, attributes, text, character and
// entity references, comments, CDATA and processing instructions, and
// nothing of DTDs; it does not check that end tags match. encoding/xml
// spent four fifths of the UNODC parse on the same work.
type xmlScanner struct {
	r    *bufio.Reader
	buf  []byte // the current tag or text
	text []byte // decoded text of the current text token
	kind xmlKind
	name []byte // local name of the current tag
	raw  []byte // the tag's attributes, undecoded
	self bool   // a self-closing start tag
}

type xmlKind int

const (
	xmlStart xmlKind = iota
	xmlEnd
	xmlText
)

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: bufio.NewReaderSize(r, 64<<10)}
}

var errXMLSyntax = errors.New("XML syntax error")

// next reads the next token; io.EOF at the end of the input.
func (x *xmlScanner) next() error {
	b, err := x.r.ReadByte()
	if err != nil {
		return err
	}
	if b != '<' {
		x.r.UnreadByte()
		return x.readText()
	}
	x.buf = x.buf[:0]
	quote := byte(0)
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			if err != io.EOF {
				return err // a limit of the reader, not the XML
			}
			return fmt.Errorf("%w: unexpected end inside a tag", errXMLSyntax)
		}
		if quote != 0 {
			if c == quote {
				quote = 0
			}
		} else if c == '"' || c == '\'' {
			quote = c
		} else if c == '>' {
			break
		}
		if len(x.buf) >= bounded.MaxXMLToken {
			return fmt.Errorf("%w: a tag longer than %d bytes", errXMLSyntax, bounded.MaxXMLToken)
		}
		x.buf = append(x.buf, c)
		if len(x.buf) == 3 && bytes.Equal(x.buf, []byte("!--")) {
			return x.skipPast("-->", true)
		}
		if len(x.buf) == 8 && bytes.Equal(x.buf, []byte("![CDATA[")) {
			if err := x.skipPast("]]>", false); err != nil {
				return err
			}
			x.kind, x.text = xmlText, append(x.text[:0], x.buf...)
			return nil
		}
	}
	if len(x.buf) > 0 && (x.buf[0] == '?' || x.buf[0] == '!') {
		return x.next() // declaration, processing instruction or doctype
	}
	x.kind, x.self = xmlStart, false
	tag := x.buf
	if len(tag) > 0 && tag[0] == '/' {
		x.kind, tag = xmlEnd, tag[1:]
	} else if len(tag) > 0 && tag[len(tag)-1] == '/' {
		x.self, tag = true, tag[:len(tag)-1]
	}
	end := bytes.IndexAny(tag, " \t\r\n")
	if end < 0 {
		end = len(tag)
	}
	x.name, x.raw = tag[:end], tag[end:]
	if i := bytes.IndexByte(x.name, ':'); i >= 0 {
		x.name = x.name[i+1:]
	}
	if len(x.name) == 0 {
		return fmt.Errorf("%w: empty tag name", errXMLSyntax)
	}
	return nil
}

// skipPast consumes input up to and including end; with discard false the
// consumed bytes (without end) are kept in buf.
func (x *xmlScanner) skipPast(end string, discard bool) error {
	x.buf = x.buf[:0]
	for {
		c, err := x.r.ReadByte()
		if err != nil {
			if err != io.EOF {
				return err
			}
			return fmt.Errorf("%w: unterminated %q", errXMLSyntax, end)
		}
		if !discard && len(x.buf) >= bounded.MaxXMLToken {
			return fmt.Errorf("%w: a section longer than %d bytes", errXMLSyntax, bounded.MaxXMLToken)
		}
		x.buf = append(x.buf, c)
		if bytes.HasSuffix(x.buf, []byte(end)) {
			x.buf = x.buf[:len(x.buf)-len(end)]
			if discard {
				return x.next()
			}
			return nil
		}
		if discard && len(x.buf) > len(end) {
			x.buf = append(x.buf[:0], x.buf[len(x.buf)-len(end):]...)
		}
	}
}

func (x *xmlScanner) readText() error {
	x.buf = x.buf[:0]
	for {
		chunk, err := x.r.ReadSlice('<')
		if len(x.buf)+len(chunk) > bounded.MaxXMLToken+1 {
			return fmt.Errorf("%w: a text longer than %d bytes", errXMLSyntax, bounded.MaxXMLToken)
		}
		if err == nil {
			x.buf = append(x.buf, chunk[:len(chunk)-1]...)
			x.r.UnreadByte()
			break
		}
		x.buf = append(x.buf, chunk...)
		if err == io.EOF {
			break
		}
		if err != bufio.ErrBufferFull {
			return err
		}
	}
	x.kind = xmlText
	var err error
	x.text, err = unescapeXML(x.text[:0], x.buf)
	return err
}

// attr returns the decoded value of an attribute of the current start tag.
func (x *xmlScanner) attr(name string) (string, error) {
	s := x.raw
	for {
		s = bytes.TrimLeft(s, " \t\r\n")
		if len(s) == 0 {
			return "", nil
		}
		eq := bytes.IndexByte(s, '=')
		if eq < 0 {
			return "", fmt.Errorf("%w: attribute without a value in <%s>", errXMLSyntax, x.name)
		}
		key := bytes.TrimSpace(s[:eq])
		if i := bytes.IndexByte(key, ':'); i >= 0 {
			key = key[i+1:]
		}
		s = bytes.TrimLeft(s[eq+1:], " \t\r\n")
		if len(s) == 0 || (s[0] != '"' && s[0] != '\'') {
			return "", fmt.Errorf("%w: unquoted attribute in <%s>", errXMLSyntax, x.name)
		}
		end := bytes.IndexByte(s[1:], s[0])
		if end < 0 {
			return "", fmt.Errorf("%w: unterminated attribute in <%s>", errXMLSyntax, x.name)
		}
		val := s[1 : 1+end]
		s = s[2+end:]
		if string(key) == name {
			out, err := unescapeXML(nil, val)
			return string(out), err
		}
	}
}

// unescapeXML appends s to dst with character and entity references decoded.
func unescapeXML(dst, s []byte) ([]byte, error) {
	for {
		i := bytes.IndexByte(s, '&')
		if i < 0 {
			return append(dst, s...), nil
		}
		dst = append(dst, s[:i]...)
		s = s[i:]
		semi := bytes.IndexByte(s, ';')
		if semi < 0 || semi > 12 {
			return nil, fmt.Errorf("%w: unterminated reference %q", errXMLSyntax, s[:min(len(s), 12)])
		}
		ref := string(s[1:semi])
		s = s[semi+1:]
		switch ref {
		case "lt":
			dst = append(dst, '<')
		case "gt":
			dst = append(dst, '>')
		case "amp":
			dst = append(dst, '&')
		case "quot":
			dst = append(dst, '"')
		case "apos":
			dst = append(dst, '\'')
		default:
			var n uint64
			var err error
			switch {
			case len(ref) > 2 && (ref[:2] == "#x" || ref[:2] == "#X"):
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			case len(ref) > 1 && ref[0] == '#':
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			default:
				return nil, fmt.Errorf("%w: unknown entity &%s;", errXMLSyntax, ref)
			}
			if err != nil || !utf8.ValidRune(rune(n)) {
				return nil, fmt.Errorf("%w: invalid character reference &%s;", errXMLSyntax, ref)
			}
			dst = utf8.AppendRune(dst, rune(n))
		}
	}
}
