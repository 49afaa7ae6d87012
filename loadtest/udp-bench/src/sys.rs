//! The crate's only unsafe code: thin wrappers over the Linux calls std does
//! not expose — getrusage, per-thread CPU clocks, RLIMIT_NOFILE, socket
//! options (SO_RCVBUFFORCE, SO_BINDTODEVICE, IP_PKTINFO, SO_TIMESTAMPNS),
//! sendmmsg and recvmmsg (plain, and with per-datagram addresses and control
//! messages), and a SIGINT/SIGTERM flag. Every unsafe block is one FFI call
//! on memory owned by the caller's stack or by the struct it is a method of,
//! or one read of a control message the kernel wrote there.

use std::io;
use std::mem;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::rtp::{self, PACKET_LEN};

/// Big enough for any datagram the benchmark sends (and a full Ethernet frame).
pub(crate) const RECEIVE_BUFFER_LEN: usize = 2048;

/// CPU time the whole process has used, all threads (living or ended) included.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ProcessCpu {
    pub(crate) user: Duration,
    pub(crate) system: Duration,
}

impl ProcessCpu {
    pub(crate) fn total(&self) -> Duration {
        self.user + self.system
    }

    pub(crate) fn since(&self, earlier: &ProcessCpu) -> ProcessCpu {
        ProcessCpu { user: self.user.saturating_sub(earlier.user), system: self.system.saturating_sub(earlier.system) }
    }
}

/// `getrusage(RUSAGE_SELF)`: user and system time of every thread of the process.
pub(crate) fn process_cpu() -> io::Result<ProcessCpu> {
    // SAFETY: rusage is a C struct of integers (and timevals of integers), for
    // which all-zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { mem::zeroed() };
    // SAFETY: getrusage writes one rusage through a pointer to a live local.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(ProcessCpu { user: from_timeval(usage.ru_utime), system: from_timeval(usage.ru_stime) })
}

fn from_timeval(time: libc::timeval) -> Duration {
    Duration::from_secs(time.tv_sec.max(0) as u64) + Duration::from_micros(time.tv_usec.max(0) as u64)
}

/// The unit of the CPU times in /proc/stat (USER_HZ; 100 on Linux).
pub(crate) fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf takes an integer and touches no memory of ours.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    u64::try_from(ticks).ok().filter(|&ticks| ticks > 0).unwrap_or(100)
}

/// One thread's CPU clock (what that thread reads as
/// `CLOCK_THREAD_CPUTIME_ID`), readable from any thread of the process while
/// the thread lives. This is how the main thread samples every worker at the
/// same two instants without stopping them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ThreadCpuClock(libc::clockid_t);

impl ThreadCpuClock {
    /// The clock of the calling thread.
    pub(crate) fn of_current_thread() -> io::Result<ThreadCpuClock> {
        let mut clock: libc::clockid_t = 0;
        // SAFETY: pthread_self() names the calling (so living) thread, and the
        // clock id is written to a live local.
        let error = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
        if error != 0 {
            return Err(io::Error::from_raw_os_error(error));
        }
        Ok(ThreadCpuClock(clock))
    }

    /// CPU time the thread has used so far. Fails once the thread has ended.
    pub(crate) fn read(self) -> io::Result<Duration> {
        let mut time = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes one timespec through a pointer to a live local.
        if unsafe { libc::clock_gettime(self.0, &mut time) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Duration::new(time.tv_sec.max(0) as u64, time.tv_nsec.clamp(0, 999_999_999) as u32))
    }
}

/// The open-file limits in force after [`raise_fd_limit`].
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(crate) struct FdLimit {
    pub(crate) soft: u64,
    pub(crate) hard: u64,
}

/// Raises the soft `RLIMIT_NOFILE` to `wanted`, or to the hard limit if that
/// is lower (never lowers it), and returns the limits now in force.
pub(crate) fn raise_fd_limit(wanted: u64) -> io::Result<FdLimit> {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes one rlimit through a pointer to a live local.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let target = wanted.min(limit.rlim_max);
    if target > limit.rlim_cur {
        let raised = libc::rlimit { rlim_cur: target, rlim_max: limit.rlim_max };
        // SAFETY: setrlimit reads one rlimit through a pointer to a live local.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
            return Err(io::Error::last_os_error());
        }
        limit = raised;
    }
    Ok(FdLimit { soft: limit.rlim_cur, hard: limit.rlim_max })
}

/// Asks for a socket receive buffer of `bytes`: first with SO_RCVBUFFORCE,
/// which may exceed `net.core.rmem_max` but needs CAP_NET_ADMIN, then with
/// SO_RCVBUF, which the kernel caps at `rmem_max`. Returns what the kernel
/// granted, as SO_RCVBUF reads back (double the request: the kernel counts its
/// own bookkeeping in it).
pub(crate) fn set_receive_buffer(socket: &UdpSocket, bytes: usize) -> io::Result<usize> {
    let value = libc::c_int::try_from(bytes).unwrap_or(libc::c_int::MAX / 2);
    if set_socket_int(socket, libc::SOL_SOCKET, libc::SO_RCVBUFFORCE, value).is_err() {
        set_socket_int(socket, libc::SOL_SOCKET, libc::SO_RCVBUF, value)?;
    }
    let mut granted: libc::c_int = 0;
    let mut length = mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `length` bytes (one c_int) through a
    // pointer to a live local, and the length through another.
    let result = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            ptr::from_mut(&mut granted).cast(),
            &mut length,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(usize::try_from(granted).unwrap_or(0))
}

/// Asks the kernel to attach, to every datagram the socket receives, the
/// destination address it was sent to (IP_PKTINFO) and the time the kernel
/// took it in (SO_TIMESTAMPNS, CLOCK_REALTIME); a batch made with
/// [`ReceiveBatch::annotated`] reads both.
pub(crate) fn enable_receive_annotations(socket: &UdpSocket) -> io::Result<()> {
    set_socket_int(socket, libc::IPPROTO_IP, libc::IP_PKTINFO, 1)?;
    set_socket_int(socket, libc::SOL_SOCKET, libc::SO_TIMESTAMPNS, 1)
}

/// SO_BINDTODEVICE "lo": the socket then receives only what arrives over the
/// loopback interface and sends only over it, whatever address it is bound
/// to. Unprivileged since Linux 5.7.
pub(crate) fn bind_to_loopback_device(socket: &UdpSocket) -> io::Result<()> {
    const LOOPBACK_DEVICE: &[u8] = b"lo";
    // SAFETY: setsockopt reads the length passed (2 bytes) from a static byte string.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_BINDTODEVICE,
            LOOPBACK_DEVICE.as_ptr().cast(),
            LOOPBACK_DEVICE.len() as libc::socklen_t,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn set_socket_int(socket: &UdpSocket, level: libc::c_int, option: libc::c_int, value: libc::c_int) -> io::Result<()> {
    // SAFETY: setsockopt reads one c_int, the length passed, through a pointer to a live local.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            level,
            option,
            ptr::from_ref(&value).cast(),
            mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if result != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Set once SIGINT or SIGTERM has arrived, after [`catch_termination_signals`].
static TERMINATION_REQUESTED: AtomicBool = AtomicBool::new(false);

extern "C" fn note_termination(_signal: libc::c_int) {
    // An atomic store is async-signal-safe; the handler does nothing else.
    TERMINATION_REQUESTED.store(true, Ordering::Relaxed);
}

/// Replaces the default action of SIGINT and SIGTERM (exit at once) with
/// setting the returned flag, so a run can stop cleanly and still report.
pub(crate) fn catch_termination_signals() -> io::Result<&'static AtomicBool> {
    let handler: extern "C" fn(libc::c_int) = note_termination;
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: the handler is a plain `extern "C" fn` that only stores to a
        // static atomic, which is async-signal-safe; signal() touches no
        // memory of ours.
        if unsafe { libc::signal(signal, handler as libc::sighandler_t) } == libc::SIG_ERR {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(&TERMINATION_REQUESTED)
}

fn sockaddr_in(address: SocketAddrV4) -> libc::sockaddr_in {
    libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: address.port().to_be(),
        sin_addr: libc::in_addr { s_addr: u32::from(*address.ip()).to_be() },
        sin_zero: [0; 8],
    }
}

fn in_addr(ip: Ipv4Addr) -> libc::in_addr {
    libc::in_addr { s_addr: u32::from(ip).to_be() }
}

fn ipv4(address: libc::in_addr) -> Ipv4Addr {
    Ipv4Addr::from(u32::from_be(address.s_addr))
}

fn empty_iovec() -> libc::iovec {
    libc::iovec { iov_base: ptr::null_mut(), iov_len: 0 }
}

fn empty_mmsghdr() -> libc::mmsghdr {
    // SAFETY: mmsghdr is a C struct of integers and raw pointers, for which
    // all-zero bytes (null pointers, zero lengths) are a valid value.
    unsafe { mem::zeroed() }
}

/// Up to `capacity` packets, sent with as few `sendmmsg` calls as the
/// kernel allows. Each packet has its own destination, and — in a batch made
/// with [`SendBatch::with_sources`], from a socket bound to 0.0.0.0 — its own
/// source address (an IP_PKTINFO control message). Everything the kernel
/// reads is allocated once, here; sending allocates nothing.
pub(crate) struct SendBatch {
    packets: Vec<[u8; PACKET_LEN]>,
    destinations: Vec<libc::sockaddr_in>,
    /// Empty unless the batch sets source addresses.
    sources: Vec<PacketInfoMessage>,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
}

impl SendBatch {
    /// A batch whose packets all go to `destination`, from the socket's own address.
    pub(crate) fn new(capacity: usize, destination: SocketAddrV4) -> SendBatch {
        let capacity = capacity.max(1);
        SendBatch {
            packets: vec![rtp::silent_packet(); capacity],
            destinations: vec![sockaddr_in(destination); capacity],
            sources: Vec::new(),
            iovecs: vec![empty_iovec(); capacity],
            headers: vec![empty_mmsghdr(); capacity],
        }
    }

    /// A batch whose packets are each addressed with [`SendBatch::address`].
    pub(crate) fn with_sources(capacity: usize) -> SendBatch {
        let mut batch = SendBatch::new(capacity, SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0));
        batch.sources = vec![PacketInfoMessage::from_source(Ipv4Addr::UNSPECIFIED); batch.capacity()];
        batch
    }

    pub(crate) fn capacity(&self) -> usize {
        self.packets.len()
    }

    /// The `index`th packet of the next batch, to write a header into.
    pub(crate) fn packet_mut(&mut self, index: usize) -> &mut [u8; PACKET_LEN] {
        &mut self.packets[index]
    }

    /// Addresses the `index`th packet of the next batch — from `source` (a
    /// local address) to `destination` — and returns it, to write a header
    /// into. Only for a batch made with [`SendBatch::with_sources`].
    pub(crate) fn address(
        &mut self,
        index: usize,
        source: Ipv4Addr,
        destination: SocketAddrV4,
    ) -> &mut [u8; PACKET_LEN] {
        self.sources[index] = PacketInfoMessage::from_source(source);
        self.destinations[index] = sockaddr_in(destination);
        &mut self.packets[index]
    }

    /// Sends the first `count` packets. Returns how many the kernel took:
    /// fewer than `count` only when the socket's send buffer is full.
    pub(crate) fn send(&mut self, socket: &UdpSocket, count: usize) -> io::Result<usize> {
        let count = count.min(self.capacity());
        // Point the headers at the packets afresh on every call, from one base
        // pointer per array, so no pointer outlives a borrow it came from.
        let packets = self.packets.as_mut_ptr();
        let destinations = self.destinations.as_mut_ptr();
        let sources = (!self.sources.is_empty()).then_some(self.sources.as_mut_ptr());
        let iovecs = self.iovecs.as_mut_ptr();
        for (index, header) in self.headers[..count].iter_mut().enumerate() {
            let iovec = iovecs.wrapping_add(index);
            let packet = packets.wrapping_add(index);
            // SAFETY: index < count <= capacity, the length of both arrays, so
            // `iovec` points at a live element that nothing else borrows.
            unsafe { *iovec = libc::iovec { iov_base: packet.cast(), iov_len: PACKET_LEN } };
            header.msg_hdr.msg_name = destinations.wrapping_add(index).cast();
            header.msg_hdr.msg_namelen = mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            header.msg_hdr.msg_iov = iovec;
            header.msg_hdr.msg_iovlen = 1;
            (header.msg_hdr.msg_control, header.msg_hdr.msg_controllen) = match sources {
                Some(sources) => (sources.wrapping_add(index).cast(), mem::size_of::<PacketInfoMessage>() as _),
                None => (ptr::null_mut(), 0),
            };
            header.msg_len = 0;
        }
        // SAFETY: the first `count` headers point at iovecs, packets,
        // destinations and control messages (or none) owned by `self`, which
        // stay alive and unborrowed for the call.
        unsafe { send_headers(socket, &mut self.headers[..count]) }
    }
}

/// Sends every message `headers` describes with as few non-blocking
/// `sendmmsg` calls as the kernel allows. Returns how many the kernel took:
/// fewer than all only when the socket's send buffer is full (or a later
/// call failed after some were sent).
///
/// # Safety
///
/// Every header must point at a name, iovecs, buffers and control data that
/// stay alive, and are not written through anything else, for the call. The
/// kernel reads them and writes only the headers' `msg_len`.
unsafe fn send_headers(socket: &UdpSocket, headers: &mut [libc::mmsghdr]) -> io::Result<usize> {
    let count = headers.len();
    let mut sent = 0;
    while sent < count {
        let remaining = headers[sent..].as_mut_ptr();
        // SAFETY: the `count - sent` headers from `remaining` are valid by
        // this function's contract.
        let result = unsafe {
            libc::sendmmsg(socket.as_raw_fd(), remaining, (count - sent) as libc::c_uint, libc::MSG_DONTWAIT as _)
        };
        if result < 0 {
            let error = io::Error::last_os_error();
            match error.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => break,
                _ if sent > 0 => break,
                _ => return Err(error),
            }
        }
        if result == 0 {
            break;
        }
        sent += result as usize;
    }
    Ok(sent)
}

/// Takes up to `headers.len()` waiting datagrams with one non-blocking
/// `recvmmsg`. Returns how many arrived: 0 when the socket was empty.
///
/// # Safety
///
/// Every header must point at iovecs and buffers (and a name and control
/// buffer, where given, of the lengths given) that stay alive, and are not
/// accessed through anything else, for the call. The kernel writes at most
/// the given lengths into them, plus the headers' lengths and flags.
unsafe fn receive_headers(socket: &UdpSocket, headers: &mut [libc::mmsghdr]) -> io::Result<usize> {
    loop {
        // SAFETY: the headers are valid by this function's contract; the
        // timeout pointer may be null.
        let result = unsafe {
            libc::recvmmsg(
                socket.as_raw_fd(),
                headers.as_mut_ptr(),
                headers.len() as libc::c_uint,
                libc::MSG_DONTWAIT as _,
                ptr::null_mut(),
            )
        };
        if result >= 0 {
            return Ok(result as usize);
        }
        let error = io::Error::last_os_error();
        match error.kind() {
            io::ErrorKind::Interrupted => continue,
            io::ErrorKind::WouldBlock => return Ok(0),
            _ => return Err(error),
        }
    }
}

/// Room for `capacity` datagrams, filled by one non-blocking `recvmmsg`. In
/// a batch made with [`ReceiveBatch::annotated`], each datagram also comes
/// with its source address and control messages (see
/// [`enable_receive_annotations`]). Allocated once; receiving allocates
/// nothing.
pub(crate) struct ReceiveBatch {
    buffers: Vec<[u8; RECEIVE_BUFFER_LEN]>,
    /// Where the kernel writes each datagram's source; empty unless annotated.
    sources: Vec<libc::sockaddr_in>,
    /// Where it writes each datagram's control messages; empty unless annotated.
    controls: Vec<ControlBuffer>,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
}

impl ReceiveBatch {
    pub(crate) fn new(capacity: usize) -> ReceiveBatch {
        let capacity = capacity.max(1);
        ReceiveBatch {
            buffers: vec![[0; RECEIVE_BUFFER_LEN]; capacity],
            sources: Vec::new(),
            controls: Vec::new(),
            iovecs: vec![empty_iovec(); capacity],
            headers: vec![empty_mmsghdr(); capacity],
        }
    }

    /// A batch that also takes in each datagram's source and control
    /// messages, read with [`ReceiveBatch::annotated_datagram`].
    pub(crate) fn annotated(capacity: usize) -> ReceiveBatch {
        let mut batch = ReceiveBatch::new(capacity);
        batch.sources = vec![sockaddr_in(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, 0)); batch.capacity()];
        batch.controls = vec![ControlBuffer([0; RECEIVE_CONTROL_LEN]); batch.capacity()];
        batch
    }

    pub(crate) fn capacity(&self) -> usize {
        self.buffers.len()
    }

    /// Takes whatever datagrams are waiting, up to the capacity, without
    /// blocking. Returns how many arrived: 0 when the socket was empty.
    pub(crate) fn receive(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        let buffers = self.buffers.as_mut_ptr();
        let iovecs = self.iovecs.as_mut_ptr();
        let annotations = (!self.sources.is_empty()).then_some((self.sources.as_mut_ptr(), self.controls.as_mut_ptr()));
        for (index, header) in self.headers.iter_mut().enumerate() {
            let iovec = iovecs.wrapping_add(index);
            let buffer = buffers.wrapping_add(index);
            // SAFETY: index < capacity, the length of both arrays, so `iovec`
            // points at a live element that nothing else borrows.
            unsafe { *iovec = libc::iovec { iov_base: buffer.cast(), iov_len: RECEIVE_BUFFER_LEN } };
            header.msg_hdr.msg_iov = iovec;
            header.msg_hdr.msg_iovlen = 1;
            let (name, name_length, control, control_length) = match annotations {
                Some((sources, controls)) => (
                    sources.wrapping_add(index).cast(),
                    mem::size_of::<libc::sockaddr_in>() as libc::socklen_t,
                    controls.wrapping_add(index).cast(),
                    RECEIVE_CONTROL_LEN,
                ),
                None => (ptr::null_mut(), 0, ptr::null_mut(), 0),
            };
            header.msg_hdr.msg_name = name;
            header.msg_hdr.msg_namelen = name_length;
            header.msg_hdr.msg_control = control;
            header.msg_hdr.msg_controllen = control_length as _;
            header.msg_hdr.msg_flags = 0;
            header.msg_len = 0;
        }
        // SAFETY: every header points at an iovec and a buffer owned by
        // `self` — and, when annotated, a sockaddr_in and a control buffer,
        // at the lengths given — alive and unborrowed for the call.
        unsafe { receive_headers(socket, &mut self.headers) }
    }

    /// The `index`th datagram of the last [`ReceiveBatch::receive`].
    pub(crate) fn datagram(&self, index: usize) -> &[u8] {
        let length = (self.headers[index].msg_len as usize).min(RECEIVE_BUFFER_LEN);
        &self.buffers[index][..length]
    }

    /// The `index`th datagram of the last [`ReceiveBatch::receive`], with
    /// what the kernel said about it (nothing, unless the batch is annotated).
    pub(crate) fn annotated_datagram(&self, index: usize) -> AnnotatedDatagram<'_> {
        let header = &self.headers[index].msg_hdr;
        let source = self.sources.get(index).filter(|name| {
            header.msg_namelen as usize >= mem::size_of::<libc::sockaddr_in>()
                && name.sin_family == libc::AF_INET as libc::sa_family_t
        });
        let control = match self.controls.get(index) {
            Some(control) => read_receive_control(&control.0[..header.msg_controllen.min(RECEIVE_CONTROL_LEN)]),
            None => ReceiveControl::default(),
        };
        AnnotatedDatagram {
            payload: self.datagram(index),
            source: source.map(|name| SocketAddrV4::new(ipv4(name.sin_addr), u16::from_be(name.sin_port))),
            destination: control.destination,
            kernel_time: control.kernel_time,
            truncated: header.msg_flags & (libc::MSG_TRUNC | libc::MSG_CTRUNC) != 0,
        }
    }
}

/// `CMSG_ALIGN`: control messages and their data are aligned to `size_t`.
const fn control_align(length: usize) -> usize {
    length.next_multiple_of(mem::size_of::<usize>())
}

/// `CMSG_LEN(0)`: where a control message's data starts.
const CONTROL_HEADER_LEN: usize = control_align(mem::size_of::<libc::cmsghdr>());

/// Room for the control messages asked for by [`enable_receive_annotations`]
/// on one datagram: IP_PKTINFO and SO_TIMESTAMPNS, 32 bytes each on 64-bit
/// Linux; twice that, to spare.
const RECEIVE_CONTROL_LEN: usize = 128;

/// A control buffer, aligned as a `cmsghdr` must be.
#[derive(Clone, Copy)]
#[repr(C, align(8))]
struct ControlBuffer([u8; RECEIVE_CONTROL_LEN]);

/// One received datagram and what the kernel said about it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AnnotatedDatagram<'a> {
    pub(crate) payload: &'a [u8],
    /// Who sent it.
    pub(crate) source: Option<SocketAddrV4>,
    /// The address it was sent to (IP_PKTINFO's `ipi_addr`): which of the
    /// host's addresses, for a socket bound to 0.0.0.0.
    pub(crate) destination: Option<Ipv4Addr>,
    /// When the kernel took it in (SO_TIMESTAMPNS): CLOCK_REALTIME, as time
    /// since the Unix epoch.
    pub(crate) kernel_time: Option<Duration>,
    /// The datagram, or its control messages, did not fit the buffers.
    pub(crate) truncated: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct ReceiveControl {
    destination: Option<Ipv4Addr>,
    kernel_time: Option<Duration>,
}

/// Walks the control messages the kernel wrote (as `CMSG_FIRSTHDR` and
/// `CMSG_NXTHDR` would, but over bytes, so safely) and picks out IP_PKTINFO
/// and SCM_TIMESTAMPNS. Anything else, or anything cut short, is skipped.
fn read_receive_control(control: &[u8]) -> ReceiveControl {
    fn field<const N: usize>(bytes: &[u8], offset: usize) -> Option<[u8; N]> {
        bytes.get(offset..offset + N)?.try_into().ok()
    }
    const LENGTH: usize = mem::offset_of!(libc::cmsghdr, cmsg_len);
    const LEVEL: usize = mem::offset_of!(libc::cmsghdr, cmsg_level);
    const KIND: usize = mem::offset_of!(libc::cmsghdr, cmsg_type);
    const DESTINATION: usize = mem::offset_of!(libc::in_pktinfo, ipi_addr);
    const SECONDS: usize = mem::offset_of!(libc::timespec, tv_sec);
    const NANOSECONDS: usize = mem::offset_of!(libc::timespec, tv_nsec);

    let mut found = ReceiveControl::default();
    let mut offset = 0;
    while offset + CONTROL_HEADER_LEN <= control.len() {
        let header = &control[offset..];
        let (Some(length), Some(level), Some(kind)) =
            (field(header, LENGTH).map(usize::from_ne_bytes), field(header, LEVEL), field(header, KIND))
        else {
            break;
        };
        let (level, kind) = (libc::c_int::from_ne_bytes(level), libc::c_int::from_ne_bytes(kind));
        if length < CONTROL_HEADER_LEN || offset + length > control.len() {
            break;
        }
        let data = &control[offset + CONTROL_HEADER_LEN..offset + length];
        match (level, kind) {
            (libc::IPPROTO_IP, libc::IP_PKTINFO) if data.len() >= mem::size_of::<libc::in_pktinfo>() => {
                found.destination = field::<4>(data, DESTINATION).map(Ipv4Addr::from);
            }
            (libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS) if data.len() >= mem::size_of::<libc::timespec>() => {
                let seconds = field(data, SECONDS).map(libc::time_t::from_ne_bytes);
                let nanoseconds = field(data, NANOSECONDS).map(libc::c_long::from_ne_bytes);
                if let (Some(seconds), Some(nanoseconds)) = (seconds, nanoseconds) {
                    let (seconds, nanoseconds) = (u64::try_from(seconds), u32::try_from(nanoseconds));
                    if let (Ok(seconds), Ok(nanoseconds @ 0..1_000_000_000)) = (seconds, nanoseconds) {
                        found.kernel_time = Some(Duration::new(seconds, nanoseconds));
                    }
                }
            }
            _ => {}
        }
        offset += control_align(length);
    }
    found
}

/// One IP_PKTINFO control message laid out as the kernel reads it: the
/// `cmsghdr`, then the `in_pktinfo` at `CMSG_DATA`, padded to `CMSG_SPACE`.
#[derive(Clone, Copy)]
#[repr(C)]
struct PacketInfoMessage {
    header: libc::cmsghdr,
    info: libc::in_pktinfo,
}

// The layout above is what CMSG_DATA and CMSG_SPACE say it must be.
const _: () = assert!(mem::offset_of!(PacketInfoMessage, info) == CONTROL_HEADER_LEN);
const _: () = assert!(
    mem::size_of::<PacketInfoMessage>() == CONTROL_HEADER_LEN + control_align(mem::size_of::<libc::in_pktinfo>())
);

impl PacketInfoMessage {
    /// Sent with a datagram, makes it leave from `source`, one of the host's
    /// addresses: the kernel takes `ipi_spec_dst` as the source address.
    fn from_source(source: Ipv4Addr) -> PacketInfoMessage {
        PacketInfoMessage {
            header: libc::cmsghdr {
                cmsg_len: (CONTROL_HEADER_LEN + mem::size_of::<libc::in_pktinfo>()) as _,
                cmsg_level: libc::IPPROTO_IP,
                cmsg_type: libc::IP_PKTINFO,
            },
            info: libc::in_pktinfo {
                ipi_ifindex: 0,
                ipi_spec_dst: in_addr(source),
                ipi_addr: in_addr(Ipv4Addr::UNSPECIFIED),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;
    use crate::rtp::RtpHeader;

    fn loopback_socket() -> UdpSocket {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
        socket.set_nonblocking(true).unwrap();
        socket
    }

    #[test]
    fn a_batch_sent_with_sendmmsg_comes_back_with_recvmmsg() {
        let (sender, receiver) = (loopback_socket(), loopback_socket());
        let std::net::SocketAddr::V4(destination) = receiver.local_addr().unwrap() else { unreachable!() };
        let mut send = SendBatch::new(4, destination);
        for sequence in 0..3 {
            RtpHeader { sequence, timestamp: 160 * u32::from(sequence), ssrc: 42 }
                .write(send.packet_mut(usize::from(sequence)));
        }
        assert_eq!(send.send(&sender, 3).unwrap(), 3);

        let mut receive = ReceiveBatch::new(8);
        let mut sequences = Vec::new();
        // Loopback delivers during the send call, but allow the kernel a moment.
        for _ in 0..100 {
            let arrived = receive.receive(&receiver).unwrap();
            for index in 0..arrived {
                assert_eq!(receive.datagram(index).len(), PACKET_LEN);
                sequences.push(RtpHeader::parse(receive.datagram(index)).unwrap().sequence);
            }
            if sequences.len() == 3 {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(sequences, [0, 1, 2]);
        assert_eq!(receive.receive(&receiver).unwrap(), 0, "an empty socket yields nothing, without blocking");
    }

    #[test]
    fn control_messages_yield_the_destination_and_the_kernel_time() {
        // What the kernel writes for IP_PKTINFO then SCM_TIMESTAMPNS, built
        // field by field, followed by a message cut short.
        fn message(level: libc::c_int, kind: libc::c_int, data: &[u8]) -> Vec<u8> {
            let mut bytes = vec![0; CONTROL_HEADER_LEN];
            let length = CONTROL_HEADER_LEN + data.len();
            bytes[mem::offset_of!(libc::cmsghdr, cmsg_len)..][..8].copy_from_slice(&length.to_ne_bytes());
            bytes[mem::offset_of!(libc::cmsghdr, cmsg_level)..][..4].copy_from_slice(&level.to_ne_bytes());
            bytes[mem::offset_of!(libc::cmsghdr, cmsg_type)..][..4].copy_from_slice(&kind.to_ne_bytes());
            bytes.extend_from_slice(data);
            bytes.resize(control_align(bytes.len()), 0);
            bytes
        }
        let mut packet_info = vec![0; mem::size_of::<libc::in_pktinfo>()];
        packet_info[mem::offset_of!(libc::in_pktinfo, ipi_addr)..][..4].copy_from_slice(&[127, 1, 2, 3]);
        let mut time = vec![0; mem::size_of::<libc::timespec>()];
        time[mem::offset_of!(libc::timespec, tv_sec)..][..8].copy_from_slice(&1_700_000_000i64.to_ne_bytes());
        time[mem::offset_of!(libc::timespec, tv_nsec)..][..8].copy_from_slice(&123_456_789i64.to_ne_bytes());
        let mut control = message(libc::IPPROTO_IP, libc::IP_PKTINFO, &packet_info);
        control.extend(message(libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS, &time));
        let whole = control.len();
        control.extend(message(libc::SOL_SOCKET, libc::SCM_TIMESTAMPNS, &time));

        let expected = ReceiveControl {
            destination: Some(Ipv4Addr::new(127, 1, 2, 3)),
            kernel_time: Some(Duration::new(1_700_000_000, 123_456_789)),
        };
        assert_eq!(read_receive_control(&control[..whole]), expected);
        assert_eq!(read_receive_control(&control[..whole + CONTROL_HEADER_LEN + 4]), expected);
        assert_eq!(read_receive_control(&[]), ReceiveControl::default());
    }

    #[test]
    fn a_sourced_batch_leaves_from_each_packets_own_loopback_address() {
        let peer = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).unwrap();
        bind_to_loopback_device(&peer).unwrap();
        enable_receive_annotations(&peer).unwrap();
        peer.set_nonblocking(true).unwrap();
        let port = peer.local_addr().unwrap().port();
        let talker = loopback_socket();
        let std::net::SocketAddr::V4(talker_address) = talker.local_addr().unwrap() else { unreachable!() };

        // The talker sends to two addresses; both land on the peer's one socket.
        let addresses = [Ipv4Addr::new(127, 1, 0, 7), Ipv4Addr::new(127, 1, 3, 200)];
        for address in addresses {
            talker.send_to(&rtp::silent_packet(), (address, port)).unwrap();
        }
        let mut receive = ReceiveBatch::annotated(8);
        let mut seen = Vec::new();
        for _ in 0..100 {
            for index in 0..receive.receive(&peer).unwrap() {
                let datagram = receive.annotated_datagram(index);
                assert_eq!((datagram.source, datagram.payload.len()), (Some(talker_address), PACKET_LEN));
                assert!(!datagram.truncated);
                let age = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap()
                    - datagram.kernel_time.expect("a kernel timestamp");
                assert!(age < Duration::from_secs(5), "{age:?}");
                seen.push(datagram.destination.unwrap());
            }
            if seen.len() == 2 {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(seen, addresses);

        // The peer answers each from the address it was sent to.
        let mut send = SendBatch::with_sources(4);
        for (index, address) in addresses.into_iter().enumerate() {
            send.address(index, address, talker_address);
        }
        assert_eq!(send.send(&peer, 2).unwrap(), 2);
        talker.set_nonblocking(false).unwrap();
        talker.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        let mut buffer = [0; RECEIVE_BUFFER_LEN];
        for address in addresses {
            let (length, from) = talker.recv_from(&mut buffer).unwrap();
            assert_eq!((length, from), (PACKET_LEN, std::net::SocketAddr::from((address, port))));
        }
    }

    #[test]
    fn cpu_clocks_read_and_only_go_forward() {
        let clock = ThreadCpuClock::of_current_thread().unwrap();
        let (first, process) = (clock.read().unwrap(), process_cpu().unwrap());
        let mut spin = 0u64;
        for value in 0..100_000u64 {
            spin = spin.wrapping_add(std::hint::black_box(value));
        }
        std::hint::black_box(spin);
        assert!(clock.read().unwrap() >= first);
        assert!(process_cpu().unwrap().total() >= process.total());
    }
}
