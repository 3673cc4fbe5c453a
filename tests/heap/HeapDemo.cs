// Objects with known roots, for dlrsim's heap snapshot tests (compiled with mcs at test time).
using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;

namespace DlrsimHeapDemo {
    public class Payload { public byte[] Bytes = new byte[96]; }
    public class StaticHeld { public Payload Child = new Payload(); public int Id; }
    public class HandleHeld { public int Value = 42; }
    public class WeakOnly { public long A, B, C; }
    public class StackHeld { public int Value = 7; }
    public struct Blit { public long X; public long Y; }
    public class FreshArg { public int N; }

    public static class Sink {
        public static int Calls;
        public static void Take(object o) { Calls++; }
    }

    public static class Holder {
        public static List<StaticHeld> Items = new List<StaticHeld>();
        public static WeakReference[] Weak = new WeakReference[0];
        public static GCHandle Strong;
        public static GCHandle Pinned;
        static Thread parked;
        static ManualResetEvent release = new ManualResetEvent(false);
        static ManualResetEvent started = new ManualResetEvent(false);

        public static void Fill(int n, int weak) {
            for (int i = 0; i < n; i++) Items.Add(new StaticHeld { Id = i });
            Weak = new WeakReference[weak];
            for (int i = 0; i < weak; i++) Weak[i] = new WeakReference(new WeakOnly());
            Strong = GCHandle.Alloc(new HandleHeld(), GCHandleType.Normal);
            Pinned = GCHandle.Alloc(new Blit[8], GCHandleType.Pinned);
            parked = new Thread(Park);
            parked.IsBackground = true;
            parked.Start();
            started.WaitOne();
        }

        static void Park() {
            var local = new StackHeld();
            started.Set();
            release.WaitOne();
            GC.KeepAlive(local);
        }

        // Real C# dynamic call sites (Binder.InvokeMember + CallSite<Action<CallSite,Type,object>>),
        // each call fed a fresh argument object.
        public static void RunDynamic(int n) {
            for (int i = 0; i < n; i++) {
                dynamic d = new FreshArg { N = i };
                Sink.Take(d);
            }
        }

        // Garbage for timing runs: many short-lived objects, so many minor collections.
        public static long Churn(int n) {
            var ring = new object[1024];
            long sum = 0;
            for (int i = 0; i < n; i++) { var p = new Payload(); ring[i & 1023] = p; sum += p.Bytes.Length; }
            return sum;
        }

        public static void Clear() {
            Items.Clear();
            Items.TrimExcess();
            Weak = new WeakReference[0];
            if (Strong.IsAllocated) Strong.Free();
            if (Pinned.IsAllocated) Pinned.Free();
            release.Set();
            parked.Join();
        }
    }
}
