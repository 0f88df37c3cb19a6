// Stand-in for martinus/unordered_dense, which Debian does not package.
//
// The worker only uses ankerl::unordered_dense::map, ::set and ::hash as
// drop-in hash containers, so the standard containers keep its behaviour; they
// are slower than the dense original but that is irrelevant at the sizes the
// worker stores (ids of routers, transports, producers...).
//
// hash<T> mixes std::hash through a 64-bit finalizer because libstdc++ hashes
// integers and pointers to themselves, and the worker feeds such hashes into
// its own HashCombine(): an unmixed identity hash would make those combined
// keys cluster.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ankerl::unordered_dense
{
	namespace detail
	{
		// splitmix64 finalizer: a cheap, well-studied full-avalanche mix.
		constexpr std::uint64_t mix(std::uint64_t x) noexcept
		{
			x ^= x >> 30;
			x *= UINT64_C(0xbf58476d1ce4e5b9);
			x ^= x >> 27;
			x *= UINT64_C(0x94d049bb133111eb);
			x ^= x >> 31;

			return x;
		}
	} // namespace detail

	template<typename T, typename Enable = void>
	struct hash
	{
		// Same marker as the original library, for code that checks for it.
		using is_avalanching = void;

		std::uint64_t operator()(const T& value) const
		  noexcept(noexcept(std::hash<T>{}(std::declval<const T&>())))
		{
			return detail::mix(static_cast<std::uint64_t>(std::hash<T>{}(value)));
		}
	};

	template<
	  class Key,
	  class T,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<std::pair<const Key, T>>>
	using map = std::unordered_map<Key, T, Hash, KeyEqual, Allocator>;

	template<
	  class Key,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<Key>>
	using set = std::unordered_set<Key, Hash, KeyEqual, Allocator>;
} // namespace ankerl::unordered_dense
