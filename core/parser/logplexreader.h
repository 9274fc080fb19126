// Reader of a logplex-1 body: octet-counted frames (RFC 6587), `LEN SP MSG`,
// straight over the request body, without copying it.
//
// A frame counts when its length lands where the next frame (or the end of
// the body) begins, or right after a newline (the end logplex gives every
// message), whatever follows. When it does not (a wrong length, a truncated frame,
// garbage), the reader skips to the next place where a frame can be found and
// reports the skipped bytes as one malformed region, so one bad frame never
// costs the rest of the body. Every byte of the body ends in exactly one
// frame, one skipped region, or whitespace between frames (some senders put
// a newline after each frame; it is tolerated).
//
// Not thread-safe; one reader per body.
#pragma once

#include <string_view>

namespace l2met {

class LogplexReader
{
public:
    enum class Result {
        Frame,     // *message is the MSG of a well-formed frame
        Malformed, // *message is the skipped region
        End,
    };

    explicit LogplexReader(std::string_view body);

    Result next(std::string_view *message);

    size_t position() const { return m_pos; }

    // Longest accepted length prefix: logplex frames are far below 10 MB.
    static constexpr size_t kMaxLengthDigits = 8;

private:
    // If a frame starts at pos and its length is consistent, its MSG.
    bool frameAt(size_t pos, std::string_view *message, size_t *end) const;
    // True when, after optional whitespace, pos is the end of the body or the
    // start of something shaped like a frame header ("123 <").
    bool isBoundary(size_t pos) const;
    // Where the next consistent frame after pos begins, or the body's size.
    size_t resync(size_t from) const;

    std::string_view m_body;
    size_t m_pos = 0;
};

} // namespace l2met
