namespace MiniCrm.Api.Web.Support;

/// <summary>Where a keyset-paged list is: the cursor of the page shown and those of the pages before it.</summary>
public sealed class KeysetPages
{
    private readonly Stack<string?> _behind = new();

    public string? Cursor { get; private set; }

    public bool HasPrevious => _behind.Count > 0;

    /// <summary>Back to the first page (the filter changed).</summary>
    public void Reset()
    {
        _behind.Clear();
        Cursor = null;
    }

    public void Forward(string? next)
    {
        _behind.Push(Cursor);
        Cursor = next;
    }

    public void Back() => Cursor = _behind.Count > 0 ? _behind.Pop() : null;
}
