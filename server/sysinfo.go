package server

import (
	"fmt"
	"runtime"
	"sync/atomic"
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

// memoryInfo writes INFO's memory section, with Redis 7.0's fields in its
// order, from the Go runtime's figures: used_memory is the live heap,
// used_memory_rss what the runtime obtained from the OS, the allocator_*
// fields the heap's in-use and retained spans. Scripting and replication
// figures are 0 (none of either).
func (s *Server) memoryInfo(kv func(string, any)) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	used := ms.HeapAlloc
	peak := memPeak.Load()
	for used > peak && !memPeak.CompareAndSwap(peak, used) {
		peak = memPeak.Load()
	}
	peak = max(peak, used)
	rss := ms.Sys
	// The dataset is the store's accounting of its data (what maxmemory
	// bounds); the rest of the heap is overhead.
	dataset := min(uint64(max(s.DB.MemoryStats().DatasetBytes, 0)), used)
	overhead := used - dataset
	active, resident := ms.HeapInuse, ms.HeapSys-ms.HeapReleased
	ratio := func(a, b uint64) string { return fmt.Sprintf("%.2f", float64(a)/float64(max(b, 1))) }
	diff := func(a, b uint64) int64 { return int64(a) - int64(b) }
	kv("used_memory", used)
	kv("used_memory_human", human(used))
	kv("used_memory_rss", rss)
	kv("used_memory_rss_human", human(rss))
	kv("used_memory_peak", peak)
	kv("used_memory_peak_human", human(peak))
	kv("used_memory_peak_perc", fmt.Sprintf("%.2f%%", 100*float64(used)/float64(max(peak, 1))))
	kv("used_memory_overhead", overhead)
	kv("used_memory_startup", 0)
	kv("used_memory_dataset", dataset)
	kv("used_memory_dataset_perc", fmt.Sprintf("%.2f%%", 100*float64(dataset)/float64(max(used, 1))))
	kv("allocator_allocated", used)
	kv("allocator_active", active)
	kv("allocator_resident", resident)
	total := totalMemory()
	kv("total_system_memory", total)
	kv("total_system_memory_human", human(total))
	for _, k := range []string{"used_memory_lua", "used_memory_vm_eval"} {
		kv(k, 0)
	}
	kv("used_memory_lua_human", "0B")
	for _, k := range []string{"used_memory_scripts_eval", "number_of_cached_scripts", "number_of_functions",
		"number_of_libraries", "used_memory_vm_functions", "used_memory_vm_total"} {
		kv(k, 0)
	}
	kv("used_memory_vm_total_human", "0B")
	kv("used_memory_functions", 0)
	kv("used_memory_scripts", 0)
	kv("used_memory_scripts_human", "0B")
	ev := s.DB.EvictionConfig()
	kv("maxmemory", ev.MaxMemory)
	kv("maxmemory_human", human(uint64(ev.MaxMemory)))
	kv("maxmemory_policy", ev.Policy.String())
	kv("allocator_frag_ratio", ratio(active, used))
	kv("allocator_frag_bytes", diff(active, used))
	kv("allocator_rss_ratio", ratio(resident, active))
	kv("allocator_rss_bytes", diff(resident, active))
	kv("rss_overhead_ratio", ratio(rss, resident))
	kv("rss_overhead_bytes", diff(rss, resident))
	kv("mem_fragmentation_ratio", ratio(rss, used))
	kv("mem_fragmentation_bytes", diff(rss, used))
	for _, k := range []string{"mem_not_counted_for_evict", "mem_replication_backlog", "mem_total_replication_buffers",
		"mem_clients_slaves", "mem_clients_normal", "mem_cluster_links", "mem_aof_buffer"} {
		kv(k, 0)
	}
	kv("mem_allocator", "go-"+runtime.Version())
	kv("active_defrag_running", 0)
	kv("lazyfree_pending_objects", 0)
	kv("lazyfreed_objects", 0)
}

// memPeak is the largest used_memory INFO has seen (used_memory_peak).
var memPeak atomic.Uint64

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
	// Go has no main thread: the process's figures.
	kv("used_cpu_sys_main_thread", tv(ru.Stime))
	kv("used_cpu_user_main_thread", tv(ru.Utime))
}
