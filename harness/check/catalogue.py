# catalogue.py: the source of harness/check/chk_cases.c (the case table as data). Run it after
# editing: python3 harness/check/catalogue.py (writes chk_cases.c next to this file).
Q = {
 'I': ('RFC 7296 §3.1', "I (Initiator) - This bit MUST be set in messages sent by the original initiator of the IKE SA and MUST be cleared in messages sent by the original responder."),
 'R': ('RFC 7296 §3.1', "R (Response) - This bit indicates that this message is a response to a message containing the same Message ID. This bit MUST be cleared in all request messages and MUST be set in all responses."),
 'MAJ': ('RFC 7296 §3.1', "Implementations based on this version of IKE MUST reject or ignore messages containing a version number greater than 2 with an INVALID_MAJOR_VERSION notification message as described in Section 2.5."),
 'MIN': ('RFC 7296 §3.1', "Implementations based on this version of IKE MUST set the minor version to 0. They MUST ignore the minor version number of received messages."),
 'XF': ('RFC 7296 §3.1', "'X' bits MUST be cleared when sending and MUST be ignored on receipt."),
 'V': ('RFC 7296 §3.1', "V (Version) - This bit indicates that the transmitter is capable of speaking a higher major version number of the protocol than the one indicated in the major version number field. Implementations of IKEv2 MUST clear this bit when sending and MUST ignore it in incoming messages."),
 'MAJS': ('RFC 7296 §3.1', "Implementations based on this version of IKE MUST set the major version to 2."),
 'SPII': ('RFC 7296 §3.1', "Initiator's SPI (8 octets) - A value chosen by the initiator to identify a unique IKE Security Association. This value MUST NOT be zero."),
 'SPIR': ('RFC 7296 §3.1', "Responder's SPI (8 octets) - A value chosen by the responder to identify a unique IKE Security Association. This value MUST be zero in the first message of an IKE initial exchange (including repeats of that message including a cookie)."),
 'MID': ('RFC 7296 §2.2', "The Message ID is a 32-bit quantity, which is zero for the IKE_SA_INIT messages (including retries of the message due to responses such as COOKIE and INVALID_KE_PAYLOAD), and incremented for each subsequent exchange."),
 'LEN': ('RFC 7296 §3.1', "Length (4 octets, unsigned integer) - Length of the total message (header + payloads) in octets."),
 'PLEN': ('RFC 7296 §3.2', "Payload Length (2 octets, unsigned integer) - Length in octets of the current payload, including the generic payload header."),
 'PROT': ('RFC 7296 §1.2', "All messages following the initial exchange are cryptographically protected using the cryptographic algorithms and keys negotiated in the IKE_SA_INIT exchange."),
 'FMT1': ('RFC 7296 §1.2', "The SAi1 payload states the cryptographic algorithms the initiator supports for the IKE SA. The KE payload sends the initiator's Diffie-Hellman value. Ni is the initiator's nonce."),
 'FMT2': ('RFC 7296 §1.2', "The responder chooses a cryptographic suite from the initiator's offered choices and expresses that choice in the SAr1 payload, completes the Diffie-Hellman exchange with the KEr payload, and sends its nonce in the Nr payload."),
 'FMT4': ('RFC 7296 §1.2', "The responder asserts its identity with the IDr payload, optionally sends one or more certificates (again with the certificate containing the public key used to verify AUTH listed first), authenticates its identity and protects the integrity of the second message with the AUTH payload, and completes negotiation of a Child SA with the additional fields described below in the CREATE_CHILD_SA exchange."),
 'FMT3': ('RFC 7296 §1.2', "The initiator asserts its identity with the IDi payload, proves knowledge of the secret corresponding to IDi and integrity protects the contents of the first message using the AUTH payload (see Section 2.15)."),
 'NONCE': ('RFC 7296 §3.9', "The size of the Nonce Data MUST be between 16 and 256 octets, inclusive."),
 'KEG': ('RFC 7296 §3.4', "This Diffie-Hellman Group Num MUST match a Diffie-Hellman group specified in a proposal in the SA payload that is sent in the same message, and SHOULD match the Diffie-Hellman group in the first group in the first proposal, if such exists."),
 'KE25519': ('RFC 8031 §3.1', "The Key Exchange Data is the 32 or 56 octets as described in Section 6 of [RFC7748]."),
 'KEMODP': ('RFC 7296 §3.4', "The length of the Diffie-Hellman public value for MODP groups MUST be equal to the length of the prime modulus over which the exponentiation was performed, prepending zero bits to the value if necessary."),
 'ZERO': ('RFC 7748 §6.1', "Both MAY check, without leaking extra information about the value of K, whether K is the all-zero value and abort if so (see below)."),
 'PNUM': ('RFC 7296 §3.3.1', "When a proposal is made, the first proposal in an SA payload MUST be 1, and subsequent proposals MUST be one more than the previous proposal (indicating an OR of the two proposals). When a proposal is accepted, the proposal number in the SA payload MUST match the number on the proposal sent that was accepted."),
 'SPISZ': ('RFC 7296 §3.3.1', "SPI Size (1 octet) - For an initial IKE SA negotiation, this field MUST be zero; the SPI is obtained from the outer header."),
 'ONE': ('RFC 7296 §2.7', "The accepted cryptographic suite MUST contain exactly one transform of each type included in the proposal."),
 'SEL': ('RFC 7296 §3.3.6', "Any attributes of a selected transform MUST be returned unmodified. The initiator of an exchange MUST check that the accepted offer is consistent with one of its proposals, and if not MUST terminate the exchange."),
 'SELP': ('RFC 7296 §2.7', "Each proposal contains one protocol. If a proposal is accepted, the SA response MUST contain the same protocol. The responder MUST accept a single proposal or reject them all and return an error."),
 'CRIT': ('RFC 7296 §3.2', "Critical (1 bit) - MUST be set to zero if the sender wants the recipient to skip this payload if it does not understand the payload type code in the Next Payload field of the previous payload. MUST be set to one if the sender wants the recipient to reject this entire message if it does not understand the payload type."),
 'CRITRESP': ('RFC 7296 §2.5', "If the critical flag is set and the payload type is unrecognized, the message MUST be rejected and the response to the IKE request containing that payload MUST include a Notify payload UNSUPPORTED_CRITICAL_PAYLOAD, indicating an unsupported critical payload was included."),
 'STATUS': ('RFC 7296 §3.10.1', "Notify payloads with status types MAY be added to any message and MUST be ignored if not recognized."),
 'VID': ('RFC 7296 §3.12', "A Vendor ID payload MUST NOT change the interpretation of any information defined in this specification (i.e., the critical bit MUST be set to 0)."),
 'COOKIE': ('RFC 7296 §2.6', "If the IKE_SA_INIT response includes the COOKIE notification, the initiator MUST then retry the IKE_SA_INIT request, and include the COOKIE notification containing the received data as the first payload, and all other payloads unchanged."),
 'COOKIELEN': ('RFC 7296 §2.6', "The data associated with this notification MUST be between 1 and 64 octets in length (inclusive)."),
 'COOKIEKE': ('RFC 7296 §2.6.1', "If the initiator receives a cookie from the responder, the initiator needs to decide whether or not to include the cookie in only the next retry of the IKE_SA_INIT request, or in all subsequent retries as well."),
 'INVKE': ('RFC 7296 §1.2', "If the initiator guesses wrong, the responder will respond with a Notify payload of type INVALID_KE_PAYLOAD indicating the selected group. In this case, the initiator MUST retry the IKE_SA_INIT with the corrected Diffie-Hellman group."),
 'INVKE2': ('RFC 7296 §1.2', "The initiator MUST again propose its full set of acceptable cryptographic suites because the rejection message was unauthenticated and otherwise an active attacker could trick the endpoints into negotiating a weaker suite than a stronger one that they both prefer."),
 'RETX': ('RFC 7296 §2.1', "A retransmission from the initiator MUST be bitwise identical to the original request. That is, everything starting from the IKE header (the IKE SA initiator's SPI onwards) must be bitwise identical; items before it (such as the IP and UDP headers) do not have to be identical."),
 'BACKOFF': ('RFC 7296 §2.4', "To be a good network citizen, retransmission times MUST increase exponentially to avoid flooding the network and making an existing congestion situation worse."),
 'GIVEUP': ('RFC 7296 §2.1', "IKE is a reliable protocol: the initiator MUST retransmit a request until it either receives a corresponding response or deems the IKE SA to have failed. In the latter case, the initiator discards all state associated with the IKE SA and any Child SAs that were negotiated using that IKE SA."),
 'FORGED': ('RFC 7296 §2.21.1', "Because all error notifications are completely unauthenticated, the recipient should continue trying for some time before giving up. The recipient should not immediately act based on the error notification unless corrective actions are defined in this specification, such as for COOKIE, INVALID_KE_PAYLOAD, and INVALID_MAJOR_VERSION."),
 'ICV': ('RFC 7296 §3.14', "Integrity Checksum Data is the cryptographic checksum of the entire message starting with the Fixed IKE header through the Pad Length. The checksum MUST be computed over the encrypted message."),
 'PAD': ('RFC 7296 §3.14', "Pad Length is the length of the Padding field. The sender SHOULD set the Pad Length to the minimum value that makes the combination of the payloads, the Padding, and the Pad Length a multiple of the block size, but the recipient MUST accept any length that results in proper alignment."),
 'AEADIV': ('RFC 5282 §3.1', "The Initialization Vector (IV) MUST be eight octets."),
 'VERIFY': ('RFC 7296 §1.2', "Both parties in the IKE_AUTH exchange MUST verify that all signatures and Message Authentication Codes (MACs) are computed correctly. If either side uses a shared secret for authentication, the names in the ID payload MUST correspond to the key used to generate the AUTH payload."),
 'AUTHF': ('RFC 7296 §2.21.2', "If the error occurred on the responder, the notification is returned in the protected response, and is usually the only payload in that response."),
 'CHILDF': ('RFC 7296 §1.2', "If creating the Child SA during the IKE_AUTH exchange fails for some reason, the IKE SA is still created as usual. The list of Notify message types in the IKE_AUTH exchange that do not prevent an IKE SA from being set up include at least the following: NO_PROPOSAL_CHOSEN, TS_UNACCEPTABLE, SINGLE_PAIR_REQUIRED, INTERNAL_ADDRESS_FAILURE, and FAILED_CP_REQUIRED."),
 'NARROW': ('RFC 7296 §2.9', "When the responder chooses a subset of the traffic proposed by the initiator, it narrows the Traffic Selectors to some subset of the initiator's proposal (provided the set does not become the null set)."),
 'ESPSPI': ('RFC 4303 §2.1', "The SPI value of zero (0) is reserved for local, implementation-specific use and MUST NOT be sent on the wire."),
 'ESPSPI2': ('RFC 4303 §2.1', "The set of SPI values in the range 1 through 255 are reserved by the Internet Assigned Numbers Authority (IANA) for future use; a reserved SPI value will not normally be assigned by IANA unless the use of the assigned SPI value is specified in an RFC."),
 'SPISZC': ('RFC 7296 §3.3.1', "SPI Size (1 octet) - For an initial IKE SA negotiation, this field MUST be zero; the SPI is obtained from the outer header. During subsequent negotiations, it is equal to the size, in octets, of the SPI of the corresponding protocol (8 for IKE, 4 for ESP and AH)."),
 'INFO': ('RFC 7296 §1.4', "The recipient of an INFORMATIONAL exchange request MUST send some response; otherwise, the sender will assume the message was lost in the network and will retransmit it."),
 'DELIKE': ('RFC 7296 §1.4.1', "The response to a request that deletes the IKE SA is an empty INFORMATIONAL response."),
 'ERRREQ': ('RFC 7296 §2.21', "The general rule is that if a request is received that is badly formatted, or unacceptable for reasons of policy (such as no matching cryptographic algorithms), the response contains a Notify payload indicating the error."),
 'ERRAUTH': ('RFC 7296 §2.21.3', "After the IKE SA is authenticated, all requests having errors MUST result in a response notifying the other end of the error."),
 'RESPCACHE': ('RFC 7296 §2.1', "The responder MUST remember each response until it receives a request whose sequence number is larger than or equal to the sequence number in the response plus its window size."),
 'RESPRETX': ('RFC 7296 §2.1', "For every pair of IKE messages, the initiator is responsible for retransmission in the event of a timeout. The responder MUST never retransmit a response unless it receives a retransmission of the request."),
 'WINDOW': ('RFC 7296 §2.3', "An IKE endpoint MUST NOT exceed the peer's stated window size for transmitted IKE requests."),
 'TRANSPORT': ('RFC 7296 §1.3.1', "Note: Except when using this option to negotiate transport mode, all Child SAs will use tunnel mode."),
 'TSLEN': ('RFC 7296 §3.13', "The length of the Traffic Selector payload includes the TS header and all the Traffic Selectors."),
 'MSG1280': ('RFC 7296 §2', "All IKEv2 implementations MUST be able to send, receive, and process IKE messages that are up to 1280 octets long, and they SHOULD be able to send, receive, and process messages that are up to 3000 octets long."),
 'NATD': ('RFC 7296 §2.23', "The data associated with the NAT_DETECTION_SOURCE_IP notification is a SHA-1 digest of the SPIs (in the order they appear in the header), IP address, and port from which this packet was sent."),
 'MANDT': ('RFC 7296 §3.3.3', "An SA payload proposing the establishment of an SA has the following mandatory and optional Transform Types. A compliant implementation MUST understand all mandatory and optional types for each protocol it supports (though it need not accept proposals with unacceptable suites)."),
 'MARKER': ('RFC 3948 §2.2', "A Non-ESP Marker is 4 zero-valued bytes aligning with the SPI field of an ESP packet."),
 'KEEPALIVE': ('RFC 3948 §2.3', "The sender MUST use a one-octet-long payload with the value 0xFF. The receiver SHOULD ignore a received NAT-keepalive packet."),
}
# Quote keys not yet compared word for word with the RFC text (README "How the quotes were
# verified"); every other quote was. Add a key here when its sentence is written from memory.
UNVERIFIED = set()
RFC = lambda s: "RFC 7296 " + s

rows = []
def C(cat, title, rfc, q, mut='M_NONE', arg=0, judge='J_ESTABLISH', jarg=0, expect='', plan=None, window=0, ipv6=''):
    # rfc must name where the quote is: Q[q] = (RFC and section, sentence)
    if not isinstance(Q[q], tuple):
        raise SystemExit('catalogue.py: Q[%r] must be ("RFC n §x.y", "sentence"), copied from the RFC' % q)
    if rfc != Q[q][0]:
        raise SystemExit('catalogue.py: case %r cites %s but quote %s is from %s' % (title, rfc, q, Q[q][0]))
    rows.append(dict(cat=cat, title=title, rfc=rfc, qkey=q, q=Q[q][1], mut=mut, arg=arg, judge=judge, jarg=jarg, expect=expect, plan=plan or [], window=window, ipv6=ipv6))

# ---- hdr: the initiator's headers, observed on a normal exchange
C('hdr','IKE_SA_INIT request: version 2.0',RFC('§3.1'),'MAJS',judge='J_HDR_INIT',jarg=0,expect='version octet 0x20',ipv6='IKEv2.EN.I.1.1.1.1')
C('hdr','IKE_SA_INIT request: I set, R clear',RFC('§3.1'),'I',judge='J_HDR_INIT',jarg=1,expect='flags I=1 R=0',ipv6='IKEv2.EN.I.1.1.1.1')
C('hdr','IKE_SA_INIT request: Message ID 0',RFC('§2.2'),'MID',judge='J_HDR_INIT',jarg=2,expect='Message ID 0',ipv6='IKEv2.EN.I.1.1.1.1')
C('hdr','IKE_SA_INIT request: SPIr zero',RFC('§3.1'),'SPIR',judge='J_HDR_INIT',jarg=3,expect='SPIr all zero',ipv6='IKEv2.EN.I.1.1.1.1')
C('hdr','IKE_SA_INIT request: SPIi nonzero',RFC('§3.1'),'SPII',judge='J_HDR_INIT',jarg=4,expect='SPIi not zero',ipv6='IKEv2.EN.I.1.1.1.1')
C('hdr','IKE_SA_INIT request: reserved flags and V clear',RFC('§3.1'),'XF',judge='J_HDR_INIT',jarg=5,expect='flag bits 0-2, 4, 6-7 clear',ipv6='IKEv2.EN.I.1.1.1.1')
C('hdr','non-500 port: non-ESP marker from the first message','RFC 3948 §2.2','MARKER',judge='J_HDR_INIT',jarg=8,expect='IKE_SA_INIT carries the 4 zero octets')
C('hdr','IKE_AUTH request: Message ID 1',RFC('§2.2'),'MID',judge='J_HDR_AUTH',jarg=2,expect='Message ID 1',ipv6='IKEv2.EN.I.2.1.1.1')
C('hdr','IKE_AUTH request: I set, R clear',RFC('§3.1'),'I',judge='J_HDR_AUTH',jarg=1,expect='flags I=1 R=0',ipv6='IKEv2.EN.I.2.1.1.1')
C('hdr','IKE_AUTH request: SPIr from the answer',RFC('§3.1'),'SPIR',judge='J_HDR_AUTH',jarg=3,expect="SPIr = the checker's",ipv6='IKEv2.EN.I.2.1.1.1')
C('hdr','IKE_AUTH request: same SPIi',RFC('§3.1'),'SPII',judge='J_HDR_AUTH',jarg=7,expect='SPIi unchanged',ipv6='IKEv2.EN.I.2.1.1.1')
C('hdr','IKE_AUTH request: everything inside SK',RFC('§1.2'),'PROT',judge='J_HDR_AUTH',jarg=6,expect='SK is the only payload',ipv6='IKEv2.EN.I.2.1.1.1')
C('hdr','IKE_AUTH request: version 2.0',RFC('§3.1'),'MAJS',judge='J_HDR_AUTH',jarg=0,expect='version octet 0x20',ipv6='IKEv2.EN.I.2.1.1.1')
C('hdr','IKE_AUTH request: reserved flags and V clear',RFC('§3.1'),'XF',judge='J_HDR_AUTH',jarg=5,expect='flag bits clear',ipv6='IKEv2.EN.I.2.1.1.1')
# ---- req: request content
C('request','IKE_SA_INIT carries SA, KE, Ni',RFC('§1.2'),'FMT1',judge='J_INIT_PAYLOADS',jarg=0,expect='SA KE Nonce present',ipv6='IKEv2.EN.I.1.1.1.1')
C('request','Ni is 16..256 octets',RFC('§3.9'),'NONCE',judge='J_INIT_PAYLOADS',jarg=1,expect='16 <= |Ni| <= 256',ipv6='IKEv2.EN.I.1.1.1.1')
C('request','KE group is in the first proposal',RFC('§3.4'),'KEG',judge='J_INIT_PAYLOADS',jarg=2,expect='KE group offered in proposal 1')
C('request','proposal numbering and substructures',RFC('§3.3.1'),'PNUM',judge='J_INIT_PAYLOADS',jarg=3,expect='proposals numbered 1, 2, ...')
C('request','IKE proposals have SPI size 0',RFC('§3.3.1'),'SPISZ',judge='J_INIT_PAYLOADS',jarg=4,expect='protocol IKE, SPI size 0')
C('request','every proposal has the mandatory transform types',RFC('§3.3.3'),'MANDT',judge='J_INIT_PAYLOADS',jarg=5,expect='ENCR, PRF, DH (+INTEG unless AEAD)')
C('request','KE length fits the group',RFC('§3.4'),'KEMODP',judge='J_INIT_PAYLOADS',jarg=6,expect='32 (X25519), 64 (P-256), 256 (MODP-2048) octets')
C('request','no unknown critical payload',RFC('§3.2'),'CRIT',judge='J_INIT_PAYLOADS',jarg=7,expect='no critical payload of unknown type')
C('request','NAT_DETECTION_SOURCE_IP is a SHA-1 hash',RFC('§2.23'),'NATD',judge='J_INIT_PAYLOADS',jarg=8,expect='20 octets when present (INFO when absent)')
C('request','IKE_SA_INIT fits 1280 octets',RFC('§2'),'MSG1280',judge='J_INIT_PAYLOADS',jarg=9,expect='<= 1280 octets (INFO above)')
C('request','IKE_AUTH carries IDi and AUTH',RFC('§1.2'),'FMT3',judge='J_AUTH_PAYLOADS',jarg=0,expect='IDi, AUTH inside SK',ipv6='IKEv2.EN.I.2.1.1.1')
C('request',"the initiator's AUTH verifies",RFC('§1.2'),'VERIFY',judge='J_AUTH_PAYLOADS',jarg=1,expect='PSK AUTH over RealMessage1 | Nr | prf(SK_pi, IDi)')
C('request','IKE_AUTH requests a child SA',RFC('§1.2'),'FMT3',judge='J_AUTH_PAYLOADS',jarg=2,expect='SAi2, TSi, TSr (INFO without)')
C('request','ESP proposals carry a 4-octet SPI',RFC('§3.3.1'),'SPISZC',judge='J_AUTH_PAYLOADS',jarg=3,expect='protocol ESP, SPI size 4')
C('request','ESP SPI outside the reserved range','RFC 4303 §2.1','ESPSPI2',judge='J_AUTH_PAYLOADS',jarg=4,expect='SPI >= 256')
C('request','TSi and TSr well formed',RFC('§3.13'),'TSLEN',judge='J_AUTH_PAYLOADS',jarg=5,expect='decodable selectors')
C('request','no unknown critical payload inside SK',RFC('§3.2'),'CRIT',judge='J_AUTH_PAYLOADS',jarg=6,expect='none')
# ---- resp-hdr: answer header
NA='ignores the invalid answer, establishes with the valid one sent on its retransmission'
C('resp-hdr','answer with the I flag set',RFC('§3.1'),'I','M_HDR_FLAG_I',judge='J_NOT_ACT',expect=NA)
C('resp-hdr','answer with the R flag clear',RFC('§3.1'),'R','M_HDR_NO_R',judge='J_NOT_ACT',expect=NA)
C('resp-hdr','answer with major version 3',RFC('§3.1'),'MAJ','M_HDR_VERSION',0x30,judge='J_NOT_ACT',expect=NA)
C('resp-hdr','answer with minor version 1',RFC('§3.1'),'MIN','M_HDR_MINOR',expect='ignores the minor version, establishes')
C('resp-hdr','answer with Message ID 1',RFC('§3.1'),'R','M_HDR_MSGID',1,judge='J_NOT_ACT',expect=NA)
C('resp-hdr','answer for another SPIi',RFC('§3.1'),'SPII','M_HDR_SPII',judge='J_NOT_ACT',expect=NA)
C('resp-hdr','answer with SPIr zero',RFC('§3.1'),'SPIR','M_HDR_SPIR_ZERO',judge='J_INFO_EITHER',expect='INFO: RFC 7296 does not say what an initiator does with SPIr 0')
C('resp-hdr','answer Length 4 more than the datagram',RFC('§3.1'),'LEN','M_HDR_LEN_PLUS',4,judge='J_NOT_ACT',expect=NA)
C('resp-hdr','answer with exchange type IKE_AUTH',RFC('§3.1'),'R','M_HDR_EXCHANGE',35,judge='J_NOT_ACT',expect=NA)
C('resp-hdr','answer with the V flag set',RFC('§3.1'),'V','M_HDR_FLAG_V',expect='ignores V, establishes',ipv6='IKEv2.EN.I.1.1.11.3')
C('resp-hdr','answer with the reserved flag bits set',RFC('§3.1'),'XF','M_HDR_RESERVED_FLAGS',expect='ignores them, establishes')
C('resp-hdr','answer with 8 trailing octets inside Length',RFC('§3.2'),'PLEN','M_TRAILING',8,judge='J_NOT_ACT',expect=NA)
C('resp-hdr','answer truncated to 60 octets',RFC('§3.1'),'LEN','M_TRUNCATE',60,judge='J_NOT_ACT',expect=NA)
# ---- sa
C('sa','second proposal chosen',RFC('§3.3.1'),'PNUM','M_SA_SECOND',expect='accepts proposal 2, establishes (N/A with one proposal)')
C('sa','transforms in another order',RFC('§2.7'),'ONE','M_SA_REORDER',expect='order does not matter, establishes')
C('sa','Key Length 192 (never offered)',RFC('§3.3.6'),'SEL','M_SA_KEYLEN_WRONG',192,judge='J_NOT_ACT',expect=NA)
C('sa','Key Length attribute left out',RFC('§3.3.6'),'SEL','M_SA_KEYLEN_DROP',judge='J_NOT_ACT',expect=NA+' (N/A for ChaCha20)')
C('sa','unknown transform type 240 added',RFC('§2.7'),'ONE','M_SA_UNKNOWN_TYPE',240,judge='J_NOT_ACT',expect=NA)
C('sa','unknown ENCR id 1023',RFC('§3.3.6'),'SEL','M_SA_UNKNOWN_ID',1023,judge='J_NOT_ACT',expect=NA)
C('sa','DH group never offered (MODP-1024)',RFC('§3.3.6'),'SEL','M_SA_UNOFFERED_DH',2,judge='J_NOT_ACT',expect=NA)
C('sa','PRF never offered (AES128-XCBC)',RFC('§3.3.6'),'SEL','M_SA_UNOFFERED_PRF',4,judge='J_NOT_ACT',expect=NA)
C('sa','two ENCR transforms',RFC('§2.7'),'ONE','M_SA_TWO_SAME_TYPE',judge='J_NOT_ACT',expect=NA)
C('sa','INTEG transform next to an AEAD cipher',RFC('§2.7'),'ONE','M_SA_INTEG_WITH_AEAD',judge='J_NOT_ACT',expect=NA)
C('sa','two proposals in the answer',RFC('§2.7'),'SELP','M_SA_TWO_PROPOSALS',judge='J_NOT_ACT',expect=NA)
C('sa','Proposal Num not the offered one',RFC('§3.3.1'),'PNUM','M_SA_PROPNUM',7,judge='J_NOT_ACT',expect=NA)
C('sa','IKE proposal with SPI size 8',RFC('§3.3.1'),'SPISZ','M_SA_SPI_SIZE',8,judge='J_NOT_ACT',expect=NA)
C('sa','proposal with protocol ESP',RFC('§2.7'),'SELP','M_SA_PROTO',3,judge='J_NOT_ACT',expect=NA)
C('sa','no SA payload',RFC('§1.2'),'FMT2','M_SA_MISSING',judge='J_NOT_ACT',expect=NA)
# ---- ke
C('ke','KE one octet short','RFC 8031 §3.1','KE25519','M_KE_LEN',-1,judge='J_NOT_ACT',expect=NA)
C('ke','KE one octet long','RFC 8031 §3.1','KE25519','M_KE_LEN',1,judge='J_NOT_ACT',expect=NA)
C('ke','KE with no data','RFC 8031 §3.1','KE25519','M_KE_LEN',-1000,judge='J_NOT_ACT',expect=NA)
C('ke','KE group differs from the SA (P-256)',RFC('§3.4'),'KEG','M_KE_GROUP',19,judge='J_NOT_ACT',expect=NA)
C('ke','all-zero X25519 public value','RFC 7748 §6.1','ZERO','M_KE_ZERO',judge='J_NOT_ACT',jarg=1,expect=NA+'; INFO if it keys from the point (RFC 7748 §6.1: MAY check) (N/A without X25519)')
C('ke','small-order X25519 point u=1','RFC 7748 §6.1','ZERO','M_KE_SMALL_ORDER',1,judge='J_NOT_ACT',jarg=1,expect=NA+'; INFO if it keys from the point (MAY check)')
C('ke','small-order X25519 point of order 8','RFC 7748 §6.1','ZERO','M_KE_SMALL_ORDER',2,judge='J_NOT_ACT',jarg=1,expect=NA+'; INFO if it keys from the point (MAY check)')
C('ke','small-order X25519 point of order 8 (other)','RFC 7748 §6.1','ZERO','M_KE_SMALL_ORDER',3,judge='J_NOT_ACT',jarg=1,expect=NA+'; INFO if it keys from the point (MAY check)')
C('ke','X25519 point u=p-1 (order 2)','RFC 7748 §6.1','ZERO','M_KE_SMALL_ORDER',4,judge='J_NOT_ACT',jarg=1,expect=NA+'; INFO if it keys from the point (MAY check)')
C('ke','no KE payload',RFC('§1.2'),'FMT2','M_KE_MISSING',judge='J_NOT_ACT',expect=NA)
# ---- nonce
for n in (16, 32, 64, 128, 256):
    C('nonce','Nr of %d octets' % n,RFC('§3.9'),'NONCE','M_NONCE_LEN',n,expect='accepts it, keys over the nonce as sent, establishes')
for n in (15, 8, 0, 257, 300):
    C('nonce','Nr of %d octets (out of range)' % n,RFC('§3.9'),'NONCE','M_NONCE_LEN',n,judge='J_NOT_PROCEED',expect='never sends IKE_AUTH on it')
C('nonce','no Nonce payload',RFC('§1.2'),'FMT2','M_NONCE_MISSING',judge='J_NOT_ACT',expect=NA)
C('nonce','two Nonce payloads',RFC('§1.2'),'FMT2','M_INIT_DUP_NONCE',judge='J_INFO_EITHER',expect='INFO: not the format of §1.2, which does not say what to do with it')
# ---- extra payloads
C('payload','unknown non-critical payload in the answer',RFC('§3.2'),'CRIT','M_INIT_UNKNOWN_NONCRIT',250,expect='skips it, establishes',ipv6='IKEv2.EN.I.1.1.4.1')
C('payload','unknown critical payload in the answer',RFC('§3.2'),'CRIT','M_INIT_UNKNOWN_CRIT',250,judge='J_NOT_ACT',expect='rejects the message (does not act on it)',ipv6='IKEv2.EN.I.1.1.4.2')
C('payload','Vendor ID in the answer',RFC('§3.12'),'VID','M_INIT_VENDOR',expect='ignores it, establishes')
C('payload','unknown status notify in the answer',RFC('§3.10.1'),'STATUS','M_INIT_STATUS_NOTIFY',40000,expect='ignores it, establishes')
C('payload','CERTREQ(15) to a PSK initiator',RFC('§1.2'),'FMT2','M_INIT_CERTREQ',15,expect='PSK still works, establishes')
C('payload','NO_PROPOSAL_CHOSEN next to SA, KE, Nr',RFC('§3.10.1'),'STATUS','M_INIT_ERROR_WITH_SA',14,judge='J_INFO_EITHER',expect='INFO: contradictory answer, either outcome explained')
C('payload','NAT_DETECTION hashes that do not match',RFC('§2.23'),'NATD','M_INIT_NATD_WRONG',judge='J_INFO_EITHER',expect='INFO: a NAT is detected; the initiator may float ports')
# ---- cookie
for n in (1, 16, 32, 64):
    C('cookie','COOKIE of %d octets' % n,RFC('§2.6'),'COOKIE',judge='J_COOKIE',plan=[('P_COOKIE',n),('P_ANSWER',0)],expect='retries with N(COOKIE) first, rest unchanged; establishes',ipv6='IKEv2.EN.I.1.1.5.1' if n <= 64 else '')
for n in (65, 0, 256):
    C('cookie','COOKIE of %d octets (out of 1..64)' % n,RFC('§2.6'),'COOKIELEN',judge='J_COOKIE_BAD',plan=[('P_COOKIE',n),('P_ANSWER',0)],expect='INFO: what it did with a cookie the RFC forbids')
C('cookie','two COOKIE rounds with different cookies',RFC('§2.6'),'COOKIE',judge='J_COOKIE',plan=[('P_COOKIE',16),('P_COOKIE',24),('P_ANSWER',0)],expect='each retry carries the latest cookie; establishes')
C('cookie','COOKIE then INVALID_KE',RFC('§2.6.1'),'COOKIEKE',judge='J_KE_RETRY',plan=[('P_COOKIE',16),('P_INVALID_KE',0),('P_ANSWER',0)],expect='retries with the asked group; establishes (N/A with one group)',ipv6='IKEv2.EN.I.1.1.5.2')
C('cookie','INVALID_KE then COOKIE',RFC('§2.6.1'),'COOKIEKE',judge='J_KE_RETRY',plan=[('P_INVALID_KE',0),('P_COOKIE',16),('P_ANSWER',0)],expect='retries with the asked group and the cookie; establishes')
# ---- invalid-ke
C('invalid-ke','INVALID_KE naming an offered group',RFC('§1.2'),'INVKE',judge='J_KE_RETRY',plan=[('P_INVALID_KE',0),('P_ANSWER',0)],expect='retries with a KE of that group; establishes (N/A with one group)',ipv6='IKEv2.EN.I.1.1.6.11')
C('invalid-ke','INVALID_KE naming a group never offered',RFC('§1.2'),'INVKE2',judge='J_KE_UNOFFERED',plan=[('P_INVALID_KE',2),('P_ANSWER',0)],expect='never sends a KE of MODP-1024')
C('invalid-ke','INVALID_KE forever',RFC('§2.1'),'GIVEUP',judge='J_GIVE_UP',plan=[('P_INVALID_KE',0)],expect='bounded number of retries (N/A with one group)',window=15000)
# ---- retransmission
C('retransmit','IKE_SA_INIT retransmissions bitwise identical',RFC('§2.1'),'RETX',judge='J_RETX_IDENTICAL',jarg=34,plan=[('P_SILENT',0),('P_SILENT',0),('P_ANSWER',0)],expect='identical bytes, then establishes',window=12000)
C('retransmit','IKE_AUTH retransmissions bitwise identical',RFC('§2.1'),'RETX','M_AUTH_DROP',2,judge='J_RETX_IDENTICAL',jarg=35,expect='identical bytes (same IV), then establishes',window=12000,ipv6='IKEv2.EN.I.1.1.2.3')
C('retransmit','retransmission intervals grow',RFC('§2.4'),'BACKOFF',judge='J_BACKOFF',plan=[('P_SILENT',0),('P_SILENT',0),('P_SILENT',0),('P_SILENT',0),('P_ANSWER',0)],expect='each interval longer than the one before',window=20000)
C('retransmit','gives up in bounded time',RFC('§2.1'),'GIVEUP',judge='J_GIVE_UP',plan=[('P_SILENT',0)],expect='stops retransmitting (exits or goes quiet)',window=40000)
C('retransmit','no retransmission of an answered request',RFC('§2.1'),'GIVEUP',judge='J_NO_RETX_ANSWERED',expect='once answered, a request is not sent again',ipv6='IKEv2.EN.I.1.1.2.2')
C('retransmit','IKE_SA_INIT answer lost once',RFC('§2.1'),'RESPRETX',plan=[('P_SILENT',0),('P_ANSWER',0)],expect='retransmits, establishes',ipv6='IKEv2.EN.I.1.1.2.2')
C('retransmit','IKE_AUTH answer lost once',RFC('§2.1'),'RESPRETX','M_AUTH_DROP',1,expect='retransmits, establishes',ipv6='IKEv2.EN.I.1.1.2.3')
C('retransmit','IKE_SA_INIT answer delayed 1.2 s',RFC('§2.1'),'RESPRETX','M_DELAY_INIT',1200,expect='uses the first answer, ignores the late copy; establishes')
C('retransmit','IKE_AUTH answer delayed 1.2 s',RFC('§2.1'),'RESPRETX','M_DELAY_AUTH',1200,expect='establishes')
C('retransmit','IKE_SA_INIT answer duplicated',RFC('§2.1'),'RESPRETX','M_DUP_INIT',expect='ignores the copy; establishes')
C('retransmit','IKE_AUTH answer duplicated',RFC('§2.1'),'RESPRETX','M_DUP_AUTH',expect='ignores the copy; establishes')
C('retransmit','stale IKE_SA_INIT answer after the IKE_AUTH answer',RFC('§2.1'),'RESPRETX','M_REORDER_AUTH',expect='ignores it; establishes')
# ---- unauthenticated notifies before the real answer
for t, name in ((1,'UNSUPPORTED_CRITICAL_PAYLOAD'),(4,'INVALID_IKE_SPI'),(5,'INVALID_MAJOR_VERSION'),(7,'INVALID_SYNTAX'),(9,'INVALID_MESSAGE_ID'),(14,'NO_PROPOSAL_CHOSEN'),(24,'AUTHENTICATION_FAILED'),(43,'TEMPORARY_FAILURE'),(8191,'unknown error 8191')):
    C('unauth','forged %s before the answer' % name,RFC('§2.21.1'),'FORGED','M_PRE_FORGED',t,judge='J_FORGED',expect='keeps waiting, uses the real answer; establishes (INFO if it gives up)')
for t, name in ((14,'NO_PROPOSAL_CHOSEN'),(24,'AUTHENTICATION_FAILED')):
    C('unauth','only %s, real answer on retransmission' % name,RFC('§2.21.1'),'FORGED',judge='J_FORGED',plan=[('P_NOTIFY',t),('P_ANSWER',0)],expect='retransmits, establishes (INFO if it gives up)')
C('unauth','unprotected AUTHENTICATION_FAILED before the IKE_AUTH answer',RFC('§1.2'),'PROT','M_PRE_FORGED_AUTH',judge='J_FORGED',expect='ignores it (IKE_AUTH is protected); establishes')
# ---- junk
C('junk','100 random octets before the answer',RFC('§3.1'),'LEN','M_PRE_JUNK',100,expect='drops the junk; establishes')
C('junk','3 octets before the answer',RFC('§3.1'),'LEN','M_PRE_JUNK',3,expect='drops the junk; establishes')
C('junk','truncated copy before the answer',RFC('§3.1'),'LEN','M_PRE_TRUNC',40,expect='drops it; establishes')
C('junk','answer for another SPIi first',RFC('§3.1'),'SPII','M_PRE_OTHER_SPI',expect='drops it; establishes')
C('junk','NAT keepalive (0xff) before the answer','RFC 3948 §2.3','KEEPALIVE','M_PRE_NOT_IKE',1,expect='ignores it; establishes')
C('junk','64 random octets before the IKE_AUTH answer',RFC('§3.14'),'ICV','M_PRE_JUNK_AUTH',64,expect='drops the junk; establishes')
# ---- sk
DA='drops it (no IKE SA from it), establishes with the valid answer to its retransmission'
C('sk','IKE_AUTH answer with a bad ICV',RFC('§3.14'),'ICV','M_SK_BAD_ICV',judge='J_DROP_ACCEPT',expect=DA)
C('sk','Pad Length beyond the plaintext',RFC('§3.14'),'PAD','M_SK_BAD_PAD',judge='J_DROP_ACCEPT',expect=DA)
C('sk','SK payload cut short (10 octets)',RFC('§3.2'),'PLEN','M_SK_TRUNC',10,judge='J_DROP_ACCEPT',expect=DA)
C('sk','IV 4 octets short','RFC 5282 §3.1','AEADIV','M_SK_IV_SHORT',4,judge='J_DROP_ACCEPT',expect=DA)
C('sk','8 octets after the SK payload',RFC('§3.2'),'PLEN','M_SK_TRAILING',8,judge='J_DROP_ACCEPT',expect=DA)
C('sk','IKE_AUTH answer in the clear',RFC('§1.2'),'PROT','M_SK_UNPROTECTED',judge='J_DROP_ACCEPT',expect=DA)
C('sk','sealed with the wrong direction key (SK_ei)',RFC('§3.14'),'ICV','M_SK_WRONG_KEY',judge='J_DROP_ACCEPT',expect=DA)
C('sk','16 octets of padding',RFC('§3.14'),'PAD','M_SK_EXTRA_PAD',16,expect='accepts any padding; establishes')
C('sk','IKE_AUTH answer with Message ID 2',RFC('§3.1'),'R','M_AUTH_MSGID',2,judge='J_DROP_ACCEPT',expect=DA)
C('sk','IKE_AUTH answer with another SPIr',RFC('§3.1'),'SPIR','M_AUTH_SPIR',judge='J_DROP_ACCEPT',expect=DA)
# ---- auth
NAC='never treats the IKE SA as up'
C('auth','AUTH computed with another PSK',RFC('§1.2'),'VERIFY','M_AUTH_WRONG',judge='J_NOT_ACCEPT',expect=NAC)
C('auth','no AUTH payload',RFC('§1.2'),'FMT4','M_AUTH_MISSING',judge='J_NOT_ACCEPT',expect=NAC)
C('auth','AUTH method 1 (RSA) with the PSK MAC',RFC('§1.2'),'VERIFY','M_AUTH_METHOD',1,judge='J_NOT_ACCEPT',expect=NAC)
C('auth','AUTH method 14 with the PSK MAC',RFC('§1.2'),'VERIFY','M_AUTH_METHOD',14,judge='J_NOT_ACCEPT',expect=NAC)
C('auth','AUTH one octet short',RFC('§1.2'),'VERIFY','M_AUTH_TRUNC',1,judge='J_NOT_ACCEPT',expect=NAC)
C('auth',"AUTH reflected: the initiator's own octets",RFC('§1.2'),'VERIFY','M_AUTH_OVER_INIT_REQ',judge='J_NOT_ACCEPT',expect=NAC)
C('auth','N(AUTHENTICATION_FAILED) only',RFC('§2.21.2'),'AUTHF','M_AUTH_FAILED',judge='J_NOT_ACCEPT',expect=NAC)
C('auth','IDr of someone else (AUTH valid for it)',RFC('§1.2'),'VERIFY','M_IDR_OTHER',judge='J_NOT_ACCEPT',expect=NAC+' (the template must pin {idr})')
C('auth','IDr of another type',RFC('§1.2'),'VERIFY','M_IDR_TYPE',1,judge='J_NOT_ACCEPT',expect=NAC)
C('auth','no IDr payload',RFC('§1.2'),'FMT4','M_IDR_MISSING',judge='J_NOT_ACCEPT',expect=NAC)
C('auth','unknown critical payload inside SK',RFC('§3.2'),'CRIT','M_AUTH_UNKNOWN_CRIT',judge='J_NOT_ACCEPT',expect='rejects the whole message')
C('auth','unknown non-critical payload inside SK',RFC('§3.2'),'CRIT','M_AUTH_UNKNOWN_NONCRIT',expect='skips it; establishes')
C('auth','unknown status notify inside SK',RFC('§3.10.1'),'STATUS','M_AUTH_STATUS_NOTIFY',expect='ignores it; establishes')
# ---- child
NOC='no ESP on that child SA (the IKE SA may stay)'
C('child','TSr narrowed to one address',RFC('§2.9'),'NARROW','M_TS_NARROW',expect='accepts the narrowing; establishes')
C('child','TSi narrowed to UDP port 4500',RFC('§2.9'),'NARROW','M_TS_PORT_NARROW',4500,judge='J_INFO_EITHER',expect='INFO: may accept or refuse a narrower child')
C('child','TSi/TSr wider than asked',RFC('§2.9'),'NARROW','M_TS_WIDEN',judge='J_CHILD_REFUSE',expect=NOC)
C('child','TS_UNACCEPTABLE',RFC('§1.2'),'CHILDF','M_CHILD_NOTIFY',38,judge='J_CHILD_REFUSE',expect=NOC)
C('child','NO_PROPOSAL_CHOSEN for the child',RFC('§1.2'),'CHILDF','M_CHILD_NOTIFY',14,judge='J_CHILD_REFUSE',expect=NOC)
C('child','SINGLE_PAIR_REQUIRED',RFC('§1.2'),'CHILDF','M_CHILD_NOTIFY',34,judge='J_CHILD_REFUSE',expect=NOC)
C('child','no child SA and no notify',RFC('§1.2'),'CHILDF','M_CHILD_NONE',judge='J_INFO_EITHER',expect='INFO: keeps or drops the IKE SA')
C('child','ESP SPI size 8',RFC('§3.3.1'),'SPISZC','M_CHILD_SPI_SIZE',8,judge='J_CHILD_REFUSE',expect=NOC)
C('child','ESP SPI 0','RFC 4303 §2.1','ESPSPI','M_CHILD_SPI_ZERO',judge='J_CHILD_REFUSE',expect=NOC)
C('child','ESN chosen though not offered',RFC('§2.7'),'ONE','M_CHILD_ESN',judge='J_CHILD_REFUSE',expect=NOC)
C('child','no ESN transform in the answer',RFC('§2.7'),'ONE','M_CHILD_NO_ESN',judge='J_CHILD_REFUSE',expect=NOC)
C('child','ESP cipher never offered',RFC('§3.3.6'),'SEL','M_CHILD_UNOFFERED',judge='J_CHILD_REFUSE',expect=NOC)
C('child','child proposal for AH',RFC('§2.7'),'SELP','M_CHILD_PROTO_AH',judge='J_CHILD_REFUSE',expect=NOC)
C('child','SAr2 without TSi/TSr',RFC('§1.2'),'FMT4','M_TS_MISSING',judge='J_CHILD_REFUSE',expect=NOC)
C('child','USE_TRANSPORT_MODE not asked for',RFC('§1.3.1'),'TRANSPORT','M_AUTH_TRANSPORT',judge='J_INFO_EITHER',expect='INFO: tunnel was asked; what it did')
# ---- requests of the responder
C('requests','liveness check INFORMATIONAL SK{}',RFC('§1.4'),'INFO','M_REQ_LIVENESS',judge='J_ANSWER',jarg=0,expect='answers: INFORMATIONAL, I and R set, same Message ID')
C('requests','INFORMATIONAL with an unknown critical payload',RFC('§2.5'),'CRITRESP','M_REQ_UNKNOWN_CRIT',judge='J_ANSWER',jarg=1,expect='answers N(UNSUPPORTED_CRITICAL_PAYLOAD) naming type 250')
C('requests','INFORMATIONAL with an unknown non-critical payload',RFC('§3.2'),'CRIT','M_REQ_UNKNOWN_NONCRIT',judge='J_ANSWER',jarg=5,expect='answers without an error')
C('requests','INFORMATIONAL with an unknown status notify',RFC('§3.10.1'),'STATUS','M_REQ_STATUS_NOTIFY',judge='J_ANSWER',jarg=5,expect='answers without an error')
C('requests','CREATE_CHILD_SA (child rekey)',RFC('§2.21.3'),'ERRAUTH','M_REQ_CREATE_CHILD',judge='J_ANSWER',jarg=0,expect='answers (a minimal initiator: NO_ADDITIONAL_SAS)')
C('requests','Delete of the IKE SA',RFC('§1.4.1'),'DELIKE','M_REQ_DELETE_IKE',judge='J_ANSWER',jarg=6,expect='answers with an empty INFORMATIONAL')
C('requests','Delete of the child SA',RFC('§1.4'),'INFO','M_REQ_DELETE_CHILD',judge='J_ANSWER',jarg=0,expect='answers')
C('requests','retransmitted request',RFC('§2.1'),'RESPCACHE','M_REQ_RETRANSMIT',judge='J_ANSWER',jarg=3,expect='answers both, with the same message')
C('requests','two requests at once (window 1 exceeded)',RFC('§2.3'),'WINDOW','M_REQ_TWO',judge='J_INFO_EITHER',expect='INFO: what it answered')
C('requests','Message ID 5 ahead',RFC('§2.3'),'WINDOW','M_REQ_MSGID_AHEAD',5,judge='J_INFO_EITHER',expect='INFO: answered or dropped')
C('requests','request with a bad ICV',RFC('§3.14'),'ICV','M_REQ_BAD_ICV',judge='J_NO_ANSWER',expect='drops it, no answer')
C('requests','"request" with the R flag set',RFC('§3.1'),'R','M_REQ_FLAGS_R',judge='J_NO_ANSWER',expect='not a request: no answer')
C('requests','request of unknown exchange type 100',RFC('§2.21'),'ERRREQ','M_REQ_EXCHANGE',100,judge='J_INFO_EITHER',expect='INFO: answered or dropped')


# ---- rpk: raw public keys (RFC 7670 CERT(15), RFC 7427 method 14); N/A unless --auth rpk
Q.update({
 'RPK_SHA3': ('RFC 7427 §3', "As the authentication methods are not negotiated in IKEv2, the peer is only allowed to use this authentication method if the Notify payload of type SIGNATURE_HASH_ALGORITHMS has been sent and received by each peer."),
 'RPK_M14': ('RFC 7427 §3', "If both ends send and receive SIGNATURE_HASH_ALGORITHMS Notify payloads, and signature authentication is to be used, then the authentication method specified in this Authentication payload MUST be used."),
 'RPK_PICK': ('RFC 7427 §4', "When calculating the digital signature, a peer MUST pick one algorithm sent by the other peer."),
 'RPK_CERT': ('RFC 7296 §3.6', "Certificate payloads SHOULD be included in an exchange if certificates are available to the sender."),
})
R7427 = lambda s: "RFC 7427 " + s
C('rpk','announces SIGNATURE_HASH_ALGORITHMS in IKE_SA_INIT',R7427('§3'),'RPK_SHA3',judge='J_RPK',jarg=0,expect='the notify in its request (FAIL: method 14 without it; INFO: no notify, no method 14)')
C('rpk','CERTREQ(15): AUTH method 14 under its raw key',R7427('§3'),'RPK_M14','M_RPK_CERTREQ',judge='J_RPK',jarg=1,expect='AUTH method 14 that verifies under the configured initiator key')
C('rpk','CERTREQ(15): CERT(15) with its raw key',RFC('§3.6'),'RPK_CERT','M_RPK_CERTREQ',judge='J_RPK',jarg=2,expect='CERT(15) holding its configured key (INFO without; FAIL with another key)')
C('rpk','CERT(15) of another key, AUTH signed with that key',RFC('§1.2'),'VERIFY','M_RPK_OTHER_KEY',judge='J_NOT_ACCEPT',expect=NAC+' (the template must pin {peerpub})')
C('rpk','AUTH by the right key over the wrong octets (Nr for Ni)',RFC('§1.2'),'VERIFY','M_RPK_WRONG_OCTETS',judge='J_NOT_ACCEPT',expect=NAC)
C('rpk','only the hash its key needs is announced',R7427('§4'),'RPK_PICK','M_RPK_HASHES_ONE',judge='J_RPK',jarg=3,expect='signs with that hash, establishes')
C('rpk','no announced hash fits its key',R7427('§4'),'RPK_PICK','M_RPK_HASHES_NONE',judge='J_RPK',jarg=4,expect='no method 14 with an unannounced hash (INFO: stops or uses RSA method 1)')
C('rpk','no SIGNATURE_HASH_ALGORITHMS from the responder',R7427('§3'),'RPK_SHA3','M_RPK_NO_HASH_NOTIFY',judge='J_RPK',jarg=4,expect='no method 14 (INFO: stops, or RSA method 1)')
C('rpk','responder signs with a hash the initiator did not announce',R7427('§4'),'RPK_PICK','M_RPK_UNANNOUNCED_HASH',judge='J_NOT_ACCEPT',expect=NAC+' (N/A with an Ed25519 checker key)')
C('rpk','AUTH method 2 (the PSK MAC) where raw keys are configured',RFC('§1.2'),'VERIFY','M_RPK_PSK_METHOD',judge='J_NOT_ACCEPT',expect=NAC)

out = []
out.append('''/* SPDX-License-Identifier: MIT */
/*
 * chk_cases: the catalogue of `minike check`, as data. Each row: number, category, title, the
 * RFC sentence it enforces (quoted, with RFC and section), the IPv6 Ready IKEv2.EN.I id where
 * that test checks the same thing (harness/check/README.md lists the mapping),
 * the responder's script (plan of IKE_SA_INIT answers, one mutation), the judge, and the
 * expected behaviour in one line. Numbers are stable: new cases are appended.
 */
#include "chk.h"

const chk_case chk_cases[] = {''')
def cstr(s):
    return '"' + s.replace('\\','\\\\').replace('"','\\"') + '"'
for i, r in enumerate(rows, 1):
    plan = ''
    if r['plan']:
        plan = ', .plan = {' + ', '.join('{%s, %d}' % (k, a) for k, a in r['plan']) + '}, .np = %d' % len(r['plan'])
    win = ', .window_ms = %d' % r['window'] if r['window'] else ''
    out.append('    {.id = %d, .cat = %s, .title = %s,\n     .rfc = %s,\n     .quote = %s,\n     .ipv6 = %s, .mut = %s, .arg = %d, .judge = %s, .jarg = %d%s%s,\n     .expect = %s},' % (
        i, cstr(r['cat']), cstr(r['title']), cstr(r['rfc']), cstr(r['q']), cstr(r['ipv6']), r['mut'], r['arg'], r['judge'], r['jarg'], plan, win, cstr(r['expect'])))
out.append('''};

const size_t chk_n_cases = sizeof chk_cases / sizeof chk_cases[0];

const chk_case *chk_case_find(uint16_t id)
{
    for (size_t i = 0; i < chk_n_cases; i++)
        if (chk_cases[i].id == id)
            return &chk_cases[i];
    return NULL;
}
''')
if __name__ == '__main__':
    open(__import__('os').path.join(__import__('os').path.dirname(__import__('os').path.abspath(__file__)), 'chk_cases.c'), 'w').write('\n'.join(out))
    from collections import Counter
    print(len(rows), Counter(r['cat'] for r in rows))
