package server

import (
	"fmt"
	"runtime"
	"syscall"
)

func osName() string {
	var u syscall.Utsname
	if err := syscall.Uname(&u); err != nil {
		return runtime.GOOS
	}
	str := func(a [65]int8) string {
		b := make([]byte, 0, len(a))
		for _, c := range a {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		return string(b)
	}
	return fmt.Sprintf("%s %s %s", str(u.Sysname), str(u.Release), str(u.Machine))
}

// memoryInfo writes INFO's memory section from the Go runtime's figures.
func (s *Server) memoryInfo(kv func(string, any)) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	used := ms.HeapAlloc
	kv("used_memory", used)
	kv("used_memory_human", human(used))
	kv("used_memory_rss", ms.Sys)
	kv("used_memory_rss_human", human(ms.Sys))
	kv("used_memory_peak", ms.HeapSys)
	kv("used_memory_peak_human", human(ms.HeapSys))
	kv("total_system_memory", totalMemory())
	kv("maxmemory", 0)
	kv("maxmemory_human", "0B")
	kv("maxmemory_policy", "noeviction")
	kv("mem_allocator", "go-"+runtime.Version())
	kv("mem_fragmentation_ratio", fmt.Sprintf("%.2f", float64(ms.Sys)/float64(max(used, 1))))
	kv("lazyfree_pending_objects", 0)
}

func totalMemory() uint64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return uint64(si.Totalram) * uint64(si.Unit)
}

func human(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2fK", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

func cpuInfo(kv func(string, any)) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return
	}
	tv := func(t syscall.Timeval) string { return fmt.Sprintf("%d.%06d", t.Sec, t.Usec) }
	kv("used_cpu_sys", tv(ru.Stime))
	kv("used_cpu_user", tv(ru.Utime))
	kv("used_cpu_sys_children", "0.000000")
	kv("used_cpu_user_children", "0.000000")
}
