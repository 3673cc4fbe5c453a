// A file that does not parse: reported, the rest of the run goes on.
class Broken
{
    void M()
    {
        var x = ; // expect: DLR000 at "= ;"
    }
}
