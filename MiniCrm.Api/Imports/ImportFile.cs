using Npgsql;
using NpgsqlTypes;

namespace MiniCrm.Api.Imports;

/// <summary>
/// An uploaded file in PostgreSQL, a mebibyte a row (<c>import_chunks</c>): written as it streams in,
/// read back as a stream, so no Api instance ever holds more than a chunk of it, and any instance can
/// carry on with an import another one started.
/// </summary>
public sealed class ImportFile(NpgsqlDataSource database)
{
    public const int ChunkSize = 1024 * 1024;

    /// <summary>Stores the request body; returns its length and chunk count, and the first chunk (for the header).</summary>
    public async Task<(long Bytes, int Chunks, byte[] First)> StoreAsync(Guid import, Stream body, CancellationToken ct)
    {
        var buffer = new byte[ChunkSize];
        long bytes = 0;
        var chunks = 0;
        byte[] first = [];
        while (true)
        {
            var filled = 0;
            while (filled < ChunkSize)
            {
                var read = await body.ReadAsync(buffer.AsMemory(filled), ct);
                if (read == 0)
                {
                    break;
                }

                filled += read;
            }

            if (filled == 0)
            {
                return (bytes, chunks, first);
            }

            var data = buffer[..filled];
            if (chunks == 0)
            {
                first = data;
            }

            await using var insert = database.CreateCommand("INSERT INTO import_chunks (import_id, seq, data) VALUES (@import, @seq, @data)");
            insert.Parameters.Add(new NpgsqlParameter("import", NpgsqlDbType.Uuid) { Value = import });
            insert.Parameters.Add(new NpgsqlParameter("seq", NpgsqlDbType.Integer) { Value = chunks });
            insert.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Bytea) { Value = data });
            await insert.ExecuteNonQueryAsync(ct);
            bytes += filled;
            chunks++;
            if (filled < ChunkSize)
            {
                return (bytes, chunks, first);
            }
        }
    }

    public Stream Open(Guid import, int chunks) => new ChunkStream(database, import, chunks);

    private sealed class ChunkStream(NpgsqlDataSource database, Guid import, int chunks) : Stream
    {
        private byte[] _current = [];
        private int _position;
        private int _next;

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct = default)
        {
            if (_position == _current.Length)
            {
                if (_next == chunks)
                {
                    return 0;
                }

                await using var read = database.CreateCommand("SELECT data FROM import_chunks WHERE import_id = @import AND seq = @seq");
                read.Parameters.Add(new NpgsqlParameter("import", NpgsqlDbType.Uuid) { Value = import });
                read.Parameters.Add(new NpgsqlParameter("seq", NpgsqlDbType.Integer) { Value = _next++ });
                _current = (byte[])(await read.ExecuteScalarAsync(ct) ?? throw new InvalidDataException($"Chunk {_next - 1} of import {import} is missing."));
                _position = 0;
            }

            var count = Math.Min(destination.Length, _current.Length - _position);
            _current.AsMemory(_position, count).CopyTo(destination);
            _position += count;
            return count;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) => ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
