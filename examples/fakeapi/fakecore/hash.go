package fakecore

import (
	"encoding/binary"
	"encoding/hex"
)

// Hasher derives deterministic numbers and ids from the seed.
type Hasher uint64

// mix is splitmix64's finaliser.
func mix(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// N returns the number for (kind, a, b).
func (h Hasher) N(kind, a, b uint64) uint64 {
	x := mix(uint64(h) ^ kind*0x9e3779b97f4a7c15)
	x = mix(x + a*0xbf58476d1ce4e5b9 + 1)
	return mix(x + b*0x94d049bb133111eb + 2)
}

// UUID returns a version 4 UUID for (kind, a, b).
func (h Hasher) UUID(kind, a, b uint64) string {
	hi := h.N(kind, a, b)
	lo := mix(hi ^ 0xd1b54a32d192ed03)
	var u [16]byte
	binary.BigEndian.PutUint64(u[:8], hi)
	binary.BigEndian.PutUint64(u[8:], lo)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var o [36]byte
	hex.Encode(o[0:8], u[0:4])
	o[8] = '-'
	hex.Encode(o[9:13], u[4:6])
	o[13] = '-'
	hex.Encode(o[14:18], u[6:8])
	o[18] = '-'
	hex.Encode(o[19:23], u[8:10])
	o[23] = '-'
	hex.Encode(o[24:], u[10:])
	return string(o[:])
}
