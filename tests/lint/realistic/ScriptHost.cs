// Unity-style editor scripting: a COM scripting host, call sites made by hand, per frame.
using System;
using System.Collections.Generic;
using System.Linq.Expressions;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.CSharp.RuntimeBinder;
using UnityEngine;

namespace EditorTools
{
    public class ScriptHost : MonoBehaviour
    {
        private static CallSite<Func<CallSite, object, object>> s_nameSite;
        private CallSite<Func<CallSite, object, object>> _valueSite;
        private string _lastMember;
        private dynamic _engine;
        private readonly List<dynamic> _watched = new List<dynamic>();

        private void Awake()
        {
            _engine = Activator.CreateInstance(Type.GetTypeFromProgID("MSScriptControl.ScriptControl"));
            _engine.Language = "JScript";
            _watched.Add(_engine); // expect: DLR001 at "_engine"
            InvokeRepeating("Poll", 1f, 0.5f);
        }

        private void Poll()
        {
            dynamic state = _engine.CodeObject;
            Debug.LogWarning(state); // expect: DLR002 at "state"
        }

        private void Update()
        {
            dynamic result = _engine.Eval("tick()");
            Debug.Log(result); // expect: DLR002 at "result"
            Debug.Log("frame " + Time.deltaTime);
            foreach (var w in _watched)
                Debug.Log(w.Name);
            var site = CallSite<Func<CallSite, object, object>>.Create( // expect: DLR003 at "CallSite<"
                Binder.GetMember(CSharpBinderFlags.None, "Length", typeof(ScriptHost), new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) }));
            Debug.Log(site.Target(site, "x"));
        }

        private object ReadName(object target)
        {
            if (s_nameSite == null)
                s_nameSite = CallSite<Func<CallSite, object, object>>.Create(
                    Binder.GetMember(CSharpBinderFlags.None, "name", typeof(ScriptHost), new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) }));
            return s_nameSite.Target(s_nameSite, target);
        }

        private object ReadMember(object target, string member)
        {
            if (member != _lastMember)
            {
                _lastMember = member;
                _valueSite = CallSite<Func<CallSite, object, object>>.Create(
                    Binder.GetMember(CSharpBinderFlags.None, member, typeof(ScriptHost), new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) }));
            }
            return _valueSite.Target(_valueSite, target);
        }

        private Func<object, object> Getter(string member)
        {
            var site = CallSite<Func<CallSite, object, object>>.Create(
                Binder.GetMember(CSharpBinderFlags.None, member, typeof(ScriptHost), new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) }));
            return o => site.Target(site, o);
        }

        private Expression Constant(string member)
        {
            return Expression.Constant(CallSite<Func<CallSite, object, object>>.Create(
                Binder.GetMember(CSharpBinderFlags.None, member, typeof(ScriptHost), new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) })));
        }

        private CallSiteBinder LooseBinder(string member)
        {
            var binder = Binder.GetMember(CSharpBinderFlags.None, member, typeof(ScriptHost), // expect: DLR003 at "Binder.GetMember"
                new[] { CSharpArgumentInfo.Create(CSharpArgumentInfoFlags.None, null) });
            Debug.Log(binder);
            return null;
        }
    }

    internal sealed class SiteInstruction
    {
        private readonly CallSite<Func<CallSite, object, object>> _site;

        private SiteInstruction(CallSite<Func<CallSite, object, object>> site) { _site = site; }

        public static SiteInstruction Make(CallSiteBinder binder)
        {
            return new SiteInstruction(CallSite<Func<CallSite, object, object>>.Create(binder));
        }

        public object Run(object arg) => _site.Target(_site, arg);
    }
}
