// .NET Remoting: transparent proxies used through dynamic, as old services are written.
using System;
using System.Collections.Generic;
using System.Runtime.Remoting;
using System.Runtime.Remoting.Proxies;

namespace Remoting
{
    public interface ICalculator { double Add(double a, double b); }

    public class CalculatorClient
    {
        private readonly Dictionary<string, dynamic> _proxies = new Dictionary<string, dynamic>();
        private readonly string _url;

        public CalculatorClient(string url) { _url = url; }

        public dynamic Proxy(string name)
        {
            dynamic proxy;
            if (!_proxies.TryGetValue(name, out proxy))
            {
                proxy = RemotingServices.Connect(typeof(ICalculator), _url + "/" + name);
                _proxies.Add(name, proxy); // expect: DLR001 at "proxy"
            }
            return proxy;
        }

        public double Sum(IEnumerable<string> names)
        {
            double sum = 0;
            foreach (var name in names)
            {
                dynamic calc = Activator.GetObject(typeof(ICalculator), _url + "/" + name);
                sum = calc.Add(sum, 1.0);
                Audit(calc); // expect: DLR002 at "calc"
                Audit(calc.ToString());
            }
            return sum;
        }

        public void InDomain(AppDomain domain, RealProxy realProxy)
        {
            dynamic worker = domain.CreateInstanceAndUnwrap("Workers", "Workers.Worker");
            Audit(worker); // expect: DLR001 at "worker"
            dynamic transparent = realProxy.GetTransparentProxy();
            Audit(transparent); // expect: DLR001 at "transparent"
            Audit(transparent.GetHashCode());
            Audit(transparent.Equals(worker)); // expect: DLR001 at "worker)"
        }

        private static void Audit(object o) => Console.WriteLine("remote: " + o);
    }
}
