//! Benchmarks of the pins pallet's calls at their worst case.

use super::*;
use alloc::vec;
use frame_benchmarking::v2::*;
use frame_support::traits::Get;
use frame_system::RawOrigin;
use pallet_identities::NodeRegistry;
use sp_core::H256;

#[benchmarks]
mod benchmarks {
	use super::*;

	/// `c` contexts and a `p`-byte payload reference, in a namespace of the longest name.
	#[benchmark]
	fn pin_batch(
		c: Linear<0, { T::MaxContexts::get() }>,
		p: Linear<0, { T::MaxPayloadRefLen::get() }>,
	) {
		let node: T::AccountId = whitelisted_caller();
		let node_id = T::Nodes::register_benchmark_node(&node, 0);
		let namespace = vec![b'n'; T::MaxNamespaceLen::get() as usize];
		let contexts = (0..c)
			.map(|i| {
				let mut context = [0u8; 32];
				context[..4].copy_from_slice(&i.to_le_bytes());
				H256(context)
			})
			.collect::<alloc::vec::Vec<_>>();
		let hash = H256::repeat_byte(1);

		#[extrinsic_call]
		_(RawOrigin::Signed(node), namespace, [1; 16], hash, vec![b'r'; p as usize], contexts);

		assert!(Pallet::<T>::pin_of(node_id, [1; 16]).is_some());
	}

	#[benchmark]
	fn acknowledge() -> Result<(), BenchmarkError> {
		let author: T::AccountId = account("author", 0, 0);
		let author_id = T::Nodes::register_benchmark_node(&author, 0);
		let hash = H256::repeat_byte(1);
		Pallet::<T>::do_pin_batch(&author, b"default".to_vec(), [1; 16], hash, vec![], vec![])?;
		let node: T::AccountId = whitelisted_caller();
		let node_id = T::Nodes::register_benchmark_node(&node, 1);

		#[extrinsic_call]
		_(RawOrigin::Signed(node), author_id, hash);

		assert!(Pallet::<T>::is_acknowledged(hash, node_id));
		assert_eq!(Pallet::<T>::batch_by_hash(author_id, hash), Some([1; 16]));
		Ok(())
	}

	/// The author skips its own batch: every check of a skip, the acknowledgements' prefix read
	/// among them (none found, the worst case: the skip goes through).
	#[benchmark]
	fn skip_batch() -> Result<(), BenchmarkError> {
		let author: T::AccountId = whitelisted_caller();
		let author_id = T::Nodes::register_benchmark_node(&author, 0);
		let hash = H256::repeat_byte(1);
		Pallet::<T>::do_pin_batch(&author, b"default".to_vec(), [1; 16], hash, vec![], vec![])?;
		let later = frame_system::Pallet::<T>::block_number() + T::SkipAfter::get();
		frame_system::Pallet::<T>::set_block_number(later);

		#[extrinsic_call]
		_(RawOrigin::Signed(author), [1; 16]);

		assert_eq!(Pallet::<T>::skipped(author_id, [1; 16]), Some(author_id));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
