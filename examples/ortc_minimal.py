import asyncio

from aiortc_transport import (
    RTCCertificate,
    RTCDataChannel,
    RTCDataChannelParameters,
    RTCDtlsTransport,
    RTCIceGatherer,
    RTCIceTransport,
    RTCSctpTransport,
)


async def main() -> None:
    gatherers = [RTCIceGatherer(loopback=True), RTCIceGatherer(loopback=True)]  # 127.0.0.1 only
    await asyncio.gather(*(g.gather() for g in gatherers))
    ice = [
        RTCIceTransport(gatherers[0], role="controlling"),
        RTCIceTransport(gatherers[1], role="controlled"),
    ]
    for mine, theirs in ((0, 1), (1, 0)):  # the "signalling": hand each side the other's candidates
        for candidate in [*gatherers[theirs].getLocalCandidates(), None]:
            ice[mine].addRemoteCandidate(candidate)
    dtls = [RTCDtlsTransport(t, [RTCCertificate.generateCertificate()]) for t in ice]
    sctp = [RTCSctpTransport(d) for d in dtls]
    await asyncio.gather(*(ice[i].start(gatherers[1 - i].getLocalParameters()) for i in (0, 1)))
    await asyncio.gather(*(dtls[i].start(dtls[1 - i].getLocalParameters()) for i in (0, 1)))
    await asyncio.gather(*(s.start(RTCSctpTransport.getCapabilities(), 5000) for s in sctp))
    received = asyncio.get_running_loop().create_future()
    sctp[1].on("datachannel", lambda channel: channel.on("message", received.set_result))
    channel = RTCDataChannel(sctp[0], RTCDataChannelParameters(label="chat"))
    await channel.wait_open()
    channel.send("hello over ICE, DTLS and SCTP")
    print(await received)
    for transport in (*sctp, *dtls, *ice):
        await transport.stop()


asyncio.run(main())
