// dlrsim: a byte-level pre-filter over method bodies.  Decoding IL with Cecil is most of the cost
// of a rewrite, and most methods of a program have no dynamic call site; a method whose raw IL
// holds none of the metadata tokens we rewrite (CallSite<T>.Create and .Target, the binder
// factories, Environment.Exit) is left undecoded.  A token found by chance in an operand only
// costs a decode; a method that uses one of them always contains its token.
using System;
using System.Collections.Generic;
using System.IO;
using Mono.Cecil;

namespace Dlrsim.Program
{
    sealed class RawIL
    {
        readonly byte[] image;
        readonly List<int[]> sections = new List<int[]>();  // virtual address, virtual size, raw pointer
        readonly HashSet<uint> tokens;

        RawIL(byte[] image, HashSet<uint> tokens)
        {
            this.image = image;
            this.tokens = tokens;
            int pe = BitConverter.ToInt32(image, 0x3C);
            int count = BitConverter.ToUInt16(image, pe + 6);
            int optional = BitConverter.ToUInt16(image, pe + 20);
            int table = pe + 24 + optional;
            for (int k = 0; k < count; k++)
            {
                int s = table + 40 * k;
                sections.Add(new[] { BitConverter.ToInt32(image, s + 12), Math.Max(BitConverter.ToInt32(image, s + 8),
                                     BitConverter.ToInt32(image, s + 16)), BitConverter.ToInt32(image, s + 20) });
            }
        }

        public static RawIL For(string path, ModuleDefinition module)
        {
            var tokens = new HashSet<uint>();
            foreach (var mr in module.GetMemberReferences())
            {
                var owner = mr.DeclaringType;
                var name = owner == null ? "" : owner.GetElementType().FullName;
                if (name == "System.Runtime.CompilerServices.CallSite`1" || name == "System.Environment"
                    || name == "Microsoft.CSharp.RuntimeBinder.Binder" || name == "Microsoft.CSharp.RuntimeBinder.CSharpArgumentInfo")
                    tokens.Add(mr.MetadataToken.ToUInt32());
            }
            return new RawIL(File.ReadAllBytes(path), tokens);
        }

        int Offset(int rva)
        {
            foreach (var s in sections)
                if (rva >= s[0] && rva < s[0] + s[1]) return rva - s[0] + s[2];
            return -1;
        }

        /// <summary>May this method use a call site (true when unsure)?</summary>
        public bool MayHaveSites(MethodDefinition method)
        {
            if (tokens.Count == 0) return false;
            int at = method.RVA == 0 ? -1 : Offset(method.RVA);
            if (at < 0 || at >= image.Length) return true;
            int start, size;
            byte b = image[at];
            if ((b & 3) == 2) { start = at + 1; size = b >> 2; }
            else
            {
                if (at + 8 > image.Length) return true;
                start = at + 4 * (BitConverter.ToUInt16(image, at) >> 12);
                size = BitConverter.ToInt32(image, at + 4);
            }
            int end = Math.Min(image.Length, start + size) - 4;
            for (int k = start; k <= end; k++)
            {
                // only the token of an operand can match: tables 0x0A (MemberRef) in the high byte
                if (image[k + 3] == 0x0A && tokens.Contains(BitConverter.ToUInt32(image, k))) return true;
            }
            return false;
        }
    }
}
