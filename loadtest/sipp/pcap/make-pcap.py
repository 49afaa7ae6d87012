#!/usr/bin/env python3
"""Turns an 8 kHz 16-bit mono WAV into a pcap of G.711 PCMU RTP packets (20 ms,
payload type 0) that SIPp's `play_pcap_audio` plays to the far end of a call.

    loadtest/sipp/pcap/make-pcap.py IN.wav OUT.pcap

`greeting_then_beep.pcap` (what `uas_machine.xml` plays: an answering
machine's 11.9 s greeting, 300 ms of silence, a 1 kHz beep of 500 ms and 3 s
of silence) was made from `crates/media/tests/fixtures/greeting_then_beep.wav`
with this script. Standard library only; the output is the same on every run.
"""

import struct
import sys
import wave

BIAS = 0x84
CLIP = 32635


def ulaw(sample):
    """ITU-T G.711 mu-law encoding of one 16-bit linear sample."""
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, CLIP) + BIAS
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not sample & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def main(source, target):
    with wave.open(source) as wav:
        if (wav.getframerate(), wav.getsampwidth(), wav.getnchannels()) != (8000, 2, 1):
            sys.exit(f"{source}: need 8 kHz 16-bit mono")
        frames = wav.readframes(wav.getnframes())
    samples = struct.unpack(f"<{len(frames) // 2}h", frames)
    # The addresses are placeholders: SIPp sends to the call's media address.
    src, dst, sport, dport = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 6000, 7000
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]  # DLT_EN10MB
    for index in range(0, len(samples) // 160):
        payload = bytes(ulaw(s) for s in samples[index * 160:(index + 1) * 160])
        rtp = struct.pack("!BBHII", 0x80, 0x80 if index == 0 else 0, index & 0xFFFF, index * 160, 0x48455241) + payload
        udp_len = 8 + len(rtp)
        ip_header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, index & 0xFFFF, 0, 64, 17, 0, src, dst)
        ip_header = ip_header[:10] + struct.pack("!H", checksum(ip_header)) + ip_header[12:]
        udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + rtp
        frame = b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00" + ip_header + udp
        micros = index * 20_000
        out.append(struct.pack("<IIII", micros // 1_000_000, micros % 1_000_000, len(frame), len(frame)) + frame)
    with open(target, "wb") as pcap:
        pcap.write(b"".join(out))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
