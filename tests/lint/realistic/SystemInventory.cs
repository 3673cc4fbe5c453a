// WMI, ADSI and the Shell through COM, as admin tools are written.
using System;
using System.Collections.Generic;
using System.DirectoryServices;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.VisualBasic;

namespace Inventory
{
    internal static class SystemInventory
    {
        private static readonly List<string> Lines = new List<string>();

        public static void Processes()
        {
            dynamic wmi = Interaction.GetObject("winmgmts:\\\\.\\root\\cimv2");
            dynamic processes = wmi.ExecQuery("SELECT * FROM Win32_Process");
            foreach (dynamic process in processes)
            {
                Lines.Add(process.Name + " " + process.ProcessId);
                Lines.Add(process.CommandLine);
                Print(process.ExecutablePath);
                Print(process); // expect: DLR002 at "process"
                if (process.ProcessId == 4)
                    Kill(process); // expect: DLR002 at "process"
            }
            dynamic service = Marshal.BindToMoniker("winmgmts:Win32_Service.Name='Spooler'");
            Console.WriteLine("Spooler is {0}", service.State);
            Print(service.Properties_); // expect: DLR001 at "service.Properties_"
        }

        public static void Users(string ldapPath)
        {
            using (var root = new DirectoryEntry(ldapPath))
            {
                dynamic native = root.NativeObject;
                Print(native); // expect: DLR001 at "native"
                foreach (DirectoryEntry child in root.Children)
                {
                    dynamic user = child.NativeObject;
                    Lines.Add(user.FullName);
                    Lines.Add(string.Format("{0} locked={1}", user.Name, user.IsAccountLocked));
                    Disable(user); // expect: DLR002 at "user"
                    var groups = child.Invoke("Groups");
                    Print(groups);
                }
            }
        }

        public static void Desktop()
        {
            var shellType = Type.GetTypeFromProgID("Shell.Application");
            dynamic shell = Activator.CreateInstance(shellType);
            dynamic folder = shell.NameSpace(Environment.GetFolderPath(Environment.SpecialFolder.Desktop));
            foreach (dynamic item in folder.Items())
            {
                if (item.IsFolder)
                    continue;
                string details = folder.GetDetailsOf(item, 1); // expect: DLR002 at "item"
                Lines.Add(Path.GetFileName(item.Path) + " " + details);
                Print(item.GetLink); // expect: DLR002 at "item.GetLink"
            }
            Print(shell.Windows()); // expect: DLR001 at "shell.Windows()"
            Print(shell.GetType());
            Print(shell.ToString());
            var typed = new Shell32.Shell();
            dynamic recycle = typed.NameSpace(10);
            Print(recycle); // expect: DLR001 at "recycle"
            dynamic same = typed;
            Print(same); // expect: DLR001 at "same"
        }

        private static void Kill(dynamic process) => process.Terminate();

        private static void Disable(dynamic user)
        {
            user.AccountDisabled = true;
            user.SetInfo();
        }

        private static void Print(object value) => Lines.Add(Convert.ToString(value));
    }
}
