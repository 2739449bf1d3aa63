package pipeline

import (
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/klauspost/compress/zstd"
)

// arrow-go keeps its zstd encoders in a sync.Pool, which every garbage
// collection empties, and each new encoder allocates a history of several
// MiB. Under the heap limit of a streamed ingest the collector runs often,
// and re-creating encoders would dominate what an ingest allocates.
// palermo registers a zstd codec whose encoders stay: arrow-go's codec for
// everything else (decoding included), and for the levels the store
// writes with, a few kept encoders whose window is one data page.
func init() {
	base, err := compress.GetCodec(compress.Codecs.Zstd)
	if err != nil {
		panic(err)
	}
	z := &zstdCodec{Codec: base, pools: map[int]chan *zstd.Encoder{}}
	for _, level := range []int{zstdLevel} {
		z.pools[level] = make(chan *zstd.Encoder, 4)
	}
	compress.RegisterCodec(compress.Codecs.Zstd, z)
}

type zstdCodec struct {
	compress.Codec
	pools map[int]chan *zstd.Encoder // by level; read-only after init
}

func (z *zstdCodec) EncodeLevel(dst, src []byte, level int) []byte {
	pool := z.pools[level]
	if pool == nil {
		return z.Codec.EncodeLevel(dst, src, level)
	}
	var enc *zstd.Encoder
	select {
	case enc = <-pool:
	default:
		enc, _ = zstd.NewWriter(nil, zstd.WithZeroFrames(true), zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
			zstd.WithEncoderConcurrency(1), zstd.WithAllLitEntropyCompression(true), zstd.WithWindowSize(dataPageBytes))
	}
	out := enc.EncodeAll(src, dst[:0])
	select {
	case pool <- enc:
	default:
	}
	return out
}
