//! The crate's only unsafe code: thin wrappers over the Linux calls std does
//! not expose — getrusage, per-thread CPU clocks, RLIMIT_NOFILE,
//! SO_RCVBUFFORCE, sendmmsg and recvmmsg. Every unsafe block is one FFI call
//! on memory owned by the caller's stack or by the struct it is a method of.

use std::io;
use std::mem;
use std::net::{SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::ptr;
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
    if set_socket_int(socket, libc::SO_RCVBUFFORCE, value).is_err() {
        set_socket_int(socket, libc::SO_RCVBUF, value)?;
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

fn set_socket_int(socket: &UdpSocket, option: libc::c_int, value: libc::c_int) -> io::Result<()> {
    // SAFETY: setsockopt reads one c_int, the length passed, through a pointer to a live local.
    let result = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
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

fn empty_iovec() -> libc::iovec {
    libc::iovec { iov_base: ptr::null_mut(), iov_len: 0 }
}

fn empty_mmsghdr() -> libc::mmsghdr {
    // SAFETY: mmsghdr is a C struct of integers and raw pointers, for which
    // all-zero bytes (null pointers, zero lengths) are a valid value.
    unsafe { mem::zeroed() }
}

/// Up to `capacity` packets for one destination, sent with as few `sendmmsg`
/// calls as the kernel allows. Everything the kernel reads is allocated once,
/// here; sending allocates nothing.
pub(crate) struct SendBatch {
    packets: Vec<[u8; PACKET_LEN]>,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
    destination: libc::sockaddr_in,
}

impl SendBatch {
    pub(crate) fn new(capacity: usize, destination: SocketAddrV4) -> SendBatch {
        let capacity = capacity.max(1);
        SendBatch {
            packets: vec![rtp::silent_packet(); capacity],
            iovecs: vec![empty_iovec(); capacity],
            headers: vec![empty_mmsghdr(); capacity],
            destination: libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: destination.port().to_be(),
                sin_addr: libc::in_addr { s_addr: u32::from(*destination.ip()).to_be() },
                sin_zero: [0; 8],
            },
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.packets.len()
    }

    /// The `index`th packet of the next batch, to write a header into.
    pub(crate) fn packet_mut(&mut self, index: usize) -> &mut [u8; PACKET_LEN] {
        &mut self.packets[index]
    }

    /// Sends the first `count` packets. Returns how many the kernel took:
    /// fewer than `count` only when the socket's send buffer is full.
    pub(crate) fn send(&mut self, socket: &UdpSocket, count: usize) -> io::Result<usize> {
        let count = count.min(self.capacity());
        // Point the headers at the packets afresh on every call, from one base
        // pointer per array, so no pointer outlives a borrow it came from.
        let packets = self.packets.as_mut_ptr();
        let iovecs = self.iovecs.as_mut_ptr();
        let destination = ptr::from_mut(&mut self.destination);
        for (index, header) in self.headers[..count].iter_mut().enumerate() {
            let iovec = iovecs.wrapping_add(index);
            let packet = packets.wrapping_add(index);
            // SAFETY: index < count <= capacity, the length of both arrays, so
            // `iovec` points at a live element that nothing else borrows.
            unsafe { *iovec = libc::iovec { iov_base: packet.cast(), iov_len: PACKET_LEN } };
            header.msg_hdr.msg_name = destination.cast();
            header.msg_hdr.msg_namelen = mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            header.msg_hdr.msg_iov = iovec;
            header.msg_hdr.msg_iovlen = 1;
            header.msg_len = 0;
        }
        let mut sent = 0;
        while sent < count {
            let remaining = self.headers[sent..count].as_mut_ptr();
            // SAFETY: the `count - sent` headers from `remaining` point at
            // iovecs, packets and the destination owned by `self`, which stay
            // alive and unborrowed for the call; the kernel reads them and
            // writes only `msg_len`.
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
}

/// Room for `capacity` datagrams, filled by one non-blocking `recvmmsg`.
/// Allocated once; receiving allocates nothing.
pub(crate) struct ReceiveBatch {
    buffers: Vec<[u8; RECEIVE_BUFFER_LEN]>,
    iovecs: Vec<libc::iovec>,
    headers: Vec<libc::mmsghdr>,
}

impl ReceiveBatch {
    pub(crate) fn new(capacity: usize) -> ReceiveBatch {
        let capacity = capacity.max(1);
        ReceiveBatch {
            buffers: vec![[0; RECEIVE_BUFFER_LEN]; capacity],
            iovecs: vec![empty_iovec(); capacity],
            headers: vec![empty_mmsghdr(); capacity],
        }
    }

    pub(crate) fn capacity(&self) -> usize {
        self.buffers.len()
    }

    /// Takes whatever datagrams are waiting, up to the capacity, without
    /// blocking. Returns how many arrived: 0 when the socket was empty.
    pub(crate) fn receive(&mut self, socket: &UdpSocket) -> io::Result<usize> {
        let buffers = self.buffers.as_mut_ptr();
        let iovecs = self.iovecs.as_mut_ptr();
        for (index, header) in self.headers.iter_mut().enumerate() {
            let iovec = iovecs.wrapping_add(index);
            let buffer = buffers.wrapping_add(index);
            // SAFETY: index < capacity, the length of both arrays, so `iovec`
            // points at a live element that nothing else borrows.
            unsafe { *iovec = libc::iovec { iov_base: buffer.cast(), iov_len: RECEIVE_BUFFER_LEN } };
            header.msg_hdr.msg_name = ptr::null_mut();
            header.msg_hdr.msg_namelen = 0;
            header.msg_hdr.msg_iov = iovec;
            header.msg_hdr.msg_iovlen = 1;
            header.msg_hdr.msg_control = ptr::null_mut();
            header.msg_hdr.msg_controllen = 0;
            header.msg_len = 0;
        }
        loop {
            // SAFETY: every header points at an iovec and a buffer owned by
            // `self`, alive and unborrowed for the call; the kernel writes at
            // most `iov_len` bytes into each buffer plus the headers' lengths
            // and flags. The timeout pointer may be null.
            let result = unsafe {
                libc::recvmmsg(
                    socket.as_raw_fd(),
                    self.headers.as_mut_ptr(),
                    self.headers.len() as libc::c_uint,
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

    /// The `index`th datagram of the last [`ReceiveBatch::receive`].
    pub(crate) fn datagram(&self, index: usize) -> &[u8] {
        let length = (self.headers[index].msg_len as usize).min(RECEIVE_BUFFER_LEN);
        &self.buffers[index][..length]
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
