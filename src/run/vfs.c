/* A full disk must be an error, not SIGBUS: the blocks of SQLite's WAL index are allocated before
 * SQLite writes to them (see run/internal.h, cav_store_shm_guard).
 *
 * Why: in WAL mode SQLite keeps the WAL index in the file STORE-shm, mapped with mmap(MAP_SHARED)
 * and written through memory. The unix VFS truncates that file to 3 bytes whenever the first
 * connection opens it, then grows it by writing one byte at the end of each memory page; on a
 * file system whose blocks are smaller than a page (ext4 on a small partition uses 1 KiB blocks)
 * the rest of each page stays a hole, and the first store into a hole must allocate a block
 * inside a page fault. On a full file system that allocation fails and the kernel sends SIGBUS,
 * which killed cavity inside SQLite (reproduced on 8 MiB ext4 loop files: the command after a
 * sweep that filled the disk died in walIndexRecover or sqlite3WalFrames).
 *
 * What: the unix VFS lets a program replace the system calls it uses (xSetSystemCall). Its
 * "mmap" is replaced, once per process, by a function that first calls fallocate(2) (mode 0:
 * allocate, never change data) on the range of every writable shared mapping, which in SQLite
 * is the -shm file only (the database file is mapped read-only, and cavity turns that off with
 * mmap_size=0). If the blocks cannot be allocated the mapping fails with ENOSPC, which SQLite
 * reports as an ordinary I/O error ("disk I/O error", errno through sqlite3_system_errno). File
 * systems without fallocate (EOPNOTSUPP) keep SQLite's behaviour.
 *
 * The allocation must use SQLite's own descriptor: opening the -shm file a second time and
 * closing that descriptor would drop every POSIX lock the process holds on the file, after which
 * another process may truncate the file under the mapping (a first version did that; the
 * kill-and-resume test then died of SIGBUS in the writer). */
#define _GNU_SOURCE /* fallocate */
#include "run/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <sys/mman.h>

typedef void *(*mmap_fn)(void *, size_t, int, int, int, off_t);
static mmap_fn real_mmap;

static void *guarded_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if ((prot & PROT_WRITE) && (flags & MAP_SHARED) && fd >= 0 &&
        fallocate(fd, 0, off, (off_t)len) != 0 && errno != EOPNOTSUPP && errno != ENOSYS)
        return MAP_FAILED; /* errno says why: ENOSPC, EDQUOT, EIO */
    return real_mmap(addr, len, prot, flags, fd, off);
}

static int guarded;

static void guard_once(void)
{
    sqlite3_vfs *unix_vfs = sqlite3_vfs_find("unix");
    if (!unix_vfs || unix_vfs->iVersion < 3 || !unix_vfs->xGetSystemCall) return;
    real_mmap = (mmap_fn)unix_vfs->xGetSystemCall(unix_vfs, "mmap");
    if (!real_mmap) return;
    guarded =
        unix_vfs->xSetSystemCall(unix_vfs, "mmap", (sqlite3_syscall_ptr)guarded_mmap) == SQLITE_OK;
}

int cav_store_shm_guard(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, guard_once);
    return guarded;
}
