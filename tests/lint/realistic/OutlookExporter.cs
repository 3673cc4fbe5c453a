// Office: Outlook automation with tasks, LINQ and tuples, as exporters are written.
using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace Exporters
{
    public class OutlookExporter
    {
        private readonly IProgress<string> _status;

        public OutlookExporter(IProgress<string> status)
        {
            _status = status;
        }

        private static dynamic Connect()
        {
            try
            {
                return Marshal.GetActiveObject("Outlook.Application");
            }
            catch (COMException)
            {
                var type = Type.GetTypeFromProgID("Outlook.Application") ?? throw new InvalidOperationException("no Outlook");
                return Activator.CreateInstance(type);
            }
        }

        public async Task<int> ExportAsync(string folderName)
        {
            dynamic outlook = await Task.Run(() => Connect());
            dynamic ns = outlook.GetNamespace("MAPI");
            dynamic inbox = ns.GetDefaultFolder(6);
            Archive(inbox); // expect: DLR001 at "inbox"
            var items = new List<dynamic>();
            foreach (dynamic item in inbox.Items)
            {
                items.Add(item); // expect: DLR002 at "item)"
                _status.Report(item.Subject);
            }
            List<dynamic> attachments = items.Select(i => (dynamic)i.Attachments).ToList();
            foreach (var a in attachments)
                Archive(a); // expect: DLR002 at "a"
            var unread = items.Count(i => i.UnRead == true);
            _status.Report($"{unread} unread in {inbox.Name}");
            (dynamic folder, int count) summary = (inbox, items.Count);
            Archive(summary.folder); // expect: DLR001 at "summary.folder"
            var (first, total) = (items.FirstOrDefault(), items.Count);
            if (first != null)
                Archive(first); // expect: DLR001 at "first"
            return total;
        }

        public Task<object> SenderAsync(dynamic mail)
        {
            return Task.Run(() => (object)mail.Sender);
        }

        public async Task ReplyAllAsync(dynamic mail)
        {
            object sender = await SenderAsync(mail);
            dynamic reply = mail.ReplyAll();
            reply.Body = "Thanks, " + mail.SenderName;
            reply.Recipients.Add(sender);
            reply.Send();
            Console.WriteLine("Replied to " + mail.SenderEmailAddress);
        }

        private static void Archive(object folder)
        {
            Console.WriteLine(folder);
        }
    }
}
